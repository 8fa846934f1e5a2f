// Installs the Debian packages a benchmark needs when their commands are missing (as root), or exits 2 saying which.
import { execFileSync, spawnSync } from 'node:child_process';

/** `needs`: command name -> the Debian package that provides it. */
export function ensureDebianPackages(script, needs) {
  const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
  const missing = [...new Set(Object.entries(needs).filter(([command]) => !has(command)).map(([, pkg]) => pkg))];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(`${script} needs Debian packages ${missing.join(' ')}: apt-get install ${missing.join(' ')}`);
    process.exit(2);
  }
  console.log(`installing ${missing.join(' ')}`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}
