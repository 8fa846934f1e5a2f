/**
 * The dashboard in a real browser (Debian's headless Chromium, driven by
 * playwright-core) against a real 3-process cluster: it shows three members
 * with exactly one leader, shows the new leader within seconds of a kill -9,
 * and draws the recorded election's RequestVote messages between the right
 * lanes. Screenshots go to test-results/dashboard/ (see docs/observability.md).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeStatusJson } from '../../src/metrics/status.js';
import { launchChromium, type TestBrowser } from '../support/browser.js';
import { enableHttp, getJson } from '../support/http-cluster.js';
import { startLoad } from '../support/load.js';
import { ProcessCluster } from '../support/process-cluster.js';
import { waitFor } from '../support/wait.js';

/** The little of the DOM the page functions below use (this project compiles without the DOM library). */
declare const document: {
  querySelector(selector: string): { getAttribute(name: string): string | null; textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
};

/**
 * Waits until `predicate(arg)` is true in the page. A function, not a string:
 * the page's CSP forbids eval. Polls on a timer: requestAnimationFrame,
 * playwright's default, may be throttled in a headless tab.
 */
async function waitInPage(page: Page, predicate: (arg: string) => boolean, arg = '', timeoutMs = 20_000): Promise<void> {
  await page.waitForFunction(predicate, arg, { polling: 100, timeout: timeoutMs });
}

/** The leader the page's verdict names ('' for none). */
async function shownLeader(page: Page): Promise<string> {
  return (await page.$eval('#verdict', (el) => el.getAttribute('data-leader'))) ?? '';
}
const SHOTS = resolve(import.meta.dirname, '../../test-results/dashboard');

/** The members table as the page shows it: node -> role. */
async function shownRoles(page: Page): Promise<Record<string, string>> {
  return page.$$eval('#members tbody tr', (rows) => Object.fromEntries(rows.map((r) => [r.getAttribute('data-node'), r.getAttribute('data-role')])));
}

describe('the dashboard in headless Chromium', { timeout: 120_000 }, () => {
  let cluster: ProcessCluster;
  let http: Map<string, string>;
  let browser: TestBrowser;
  let page: Page;
  let oldLeader: string;
  let newLeader: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    cluster = await ProcessCluster.create(3);
    http = await enableHttp(cluster);
    cluster.traceAll();
    cluster.startAll();
    const firstLeader = cluster.node(await cluster.waitForLeader()).id;
    // Something in the log before the page opens.
    const load = startLoad(cluster.addresses(), 8, 'before');
    try {
      await waitFor(() => load.acknowledged() >= 200, { timeoutMs: 30_000, what: '200 acknowledged writes' });
    } finally {
      await load.stop();
    }
    browser = await launchChromium();
    page = browser.page;
    // The page is served by a follower, which (unless the leader changes first) outlives the leader's kill.
    const watched = cluster.nodes.find((n) => n.id !== firstLeader)!.id;
    await page.goto(`${http.get(watched)}/`);
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.destroy();
  });

  it('shows three members with exactly one leader, and the charts', async () => {
    await waitInPage(page, () => document.querySelectorAll('#members tbody tr').length === 3);
    // On a busy machine leadership may move on its own: wait until the page and the cluster agree.
    await waitFor(async () => (await shownLeader(page)) === cluster.node(await cluster.waitForLeader()).id, { what: 'the page to show the leader' });
    oldLeader = await shownLeader(page);
    const roles = await shownRoles(page);
    expect(Object.keys(roles).sort()).toEqual(['n1', 'n2', 'n3']);
    expect(Object.values(roles).filter((role) => role === 'leader')).toHaveLength(1);
    expect(roles[oldLeader]).toBe('leader');
    const commit = await page.$eval(`#members tr[data-node="${oldLeader}"] td:nth-child(6)`, (td) => Number(td.textContent));
    expect(commit).toBeGreaterThanOrEqual(200);
    // Under load, the charts draw lines: committed entries per second and this node's request latency.
    const load = startLoad(cluster.addresses(), 4, 'chart');
    try {
      await waitInPage(page, () => {
        const line = document.querySelector('#throughput-chart path');
        return Number(line?.getAttribute('data-points')) >= 4 && Number(line?.getAttribute('data-last')) > 0;
      });
    } finally {
      await load.stop();
    }
    expect(await page.locator('#latency-chart path').count()).toBe(2);
    expect(await page.locator('#elections tbody tr').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, '1-members.png'), fullPage: true });
  });

  it('shows the new leader within a few seconds of kill -9 of the old one', async () => {
    oldLeader = cluster.node(await cluster.waitForLeader()).id;
    await waitInPage(page, (leader) => document.querySelector('#verdict')?.getAttribute('data-leader') === leader, oldLeader);
    const killedAt = Date.now();
    await cluster.kill(oldLeader);
    await waitInPage(page, (old) => !['', old].includes(document.querySelector('#verdict')?.getAttribute('data-leader') ?? ''), oldLeader, 10_000);
    const shownAfterMs = Date.now() - killedAt;
    newLeader = await shownLeader(page);
    expect(newLeader).not.toBe(oldLeader);
    expect(cluster.node(await cluster.waitForLeader({ excluding: cluster.node(oldLeader).client })).id).toBe(newLeader);
    const roles = await shownRoles(page);
    expect(roles[newLeader]).toBe('leader');
    expect(roles[oldLeader]).toBe('down');
    expect(shownAfterMs).toBeLessThan(10_000);
    await waitInPage(page, (leader) => document.querySelector('#elections tbody tr td.winner')?.textContent?.startsWith(leader) === true, newLeader);
    await page.screenshot({ path: join(SHOTS, '2-after-leader-kill.png'), fullPage: true });
  });

  it("draws the recorded election's RequestVote messages between the right lanes", async () => {
    // The election to look at: the current term's, won after the kill (by newLeader, unless leadership has moved since).
    const survivor = cluster.nodes.find((n) => n.id !== oldLeader)!.id;
    const status = await waitFor(async () => {
      const { body } = await getJson<NodeStatusJson>(`${http.get(survivor)}/status`);
      return body.leader !== null ? body : null;
    }, { what: `${survivor} to know a leader` });
    const term = status.term;
    newLeader = status.leader!;
    const other = cluster.nodes.map((n) => n.id).find((id) => id !== oldLeader && id !== newLeader)!;
    const live = readdirSync(cluster.dir).filter((f) => f.endsWith('.ndjson'));
    expect(live).toHaveLength(3);
    // The nodes are still writing their traces, and Chromium refuses to read a file that changed after it was
    // chosen: each attempt loads copies taken at that moment.
    const copies = mkdtempSync(join(tmpdir(), 'raftkv-dashboard-traces-'));
    let attempt = 0;
    type Vote = { from: string | null; to: string | null; matched: string | null; y1: number; y2: number };
    let lanes: Record<string, number> = {};
    // The survivors are still writing their traces (flushed once per event-loop turn): load again until the receipt is on disk.
    const votes = await waitFor(
      async () => {
        const loadsBefore = Number(await page.$eval('#timeline-summary', (el) => el.getAttribute('data-loads') ?? '0'));
        const dir = join(copies, String(++attempt));
        mkdirSync(dir);
        const traces = live.map((f) => join(dir, f));
        live.forEach((f, i) => copyFileSync(join(cluster.dir, f), traces[i]!));
        await page.setInputFiles('#trace-files', traces);
        await waitInPage(page, (before) => Number(document.querySelector('#timeline-summary')?.getAttribute('data-loads') ?? '0') > Number(before), String(loadsBefore));
        await page.selectOption('#filter-term', String(term));
        lanes = await page.$$eval('#timeline g.lane', (gs) => Object.fromEntries(gs.map((g) => [g.getAttribute('data-node'), Number(g.getAttribute('data-y'))])));
        const shown: Vote[] = await page.$$eval(`#timeline line.arrow[data-type="RequestVote"][data-term="${term}"]`, (lines) =>
          lines.map((l) => ({ from: l.getAttribute('data-from'), to: l.getAttribute('data-to'), matched: l.getAttribute('data-matched'), y1: Number(l.getAttribute('y1')), y2: Number(l.getAttribute('y2')) })),
        );
        return shown.some((v) => v.from === newLeader && v.to === other && v.matched === 'true') ? shown : null;
      },
      { timeoutMs: 20_000, what: `the RequestVote ${newLeader} -> ${other} of term ${term} with both ends in the traces` },
    ).finally(() => rmSync(copies, { recursive: true, force: true }));
    expect(Object.keys(lanes).sort()).toEqual(['n1', 'n2', 'n3']);
    // The winner asked both others; the survivor's copy was received, the dead leader's was not.
    const toOther = votes.find((v) => v.from === newLeader && v.to === other && v.matched === 'true');
    const toDead = votes.find((v) => v.from === newLeader && v.to === oldLeader);
    expect(toOther).toMatchObject({ y1: lanes[newLeader], y2: lanes[other] });
    expect(toDead).toMatchObject({ matched: 'false', y1: lanes[newLeader], y2: lanes[oldLeader] });
    for (const vote of votes) {
      expect(vote.y1).toBe(lanes[vote.from!]);
      expect(vote.y2).toBe(lanes[vote.to!]);
    }
    const granted = page.locator(`#timeline line.arrow[data-type="RequestVoteResponse"][data-term="${term}"][data-from="${other}"][data-to="${newLeader}"]`);
    expect(await granted.count()).toBeGreaterThanOrEqual(1);
    // Details on click.
    await page.locator(`#timeline line.arrow[data-type="RequestVote"][data-term="${term}"][data-from="${newLeader}"][data-to="${other}"]`).first().dispatchEvent('click');
    const details = await page.textContent('#details');
    expect(details).toContain(`RequestVote ${newLeader} -> ${other} (term ${term})`);
    expect(details).toContain('"lastLogIndex"');
    await page.screenshot({ path: join(SHOTS, '3-election-timeline.png'), fullPage: true });
  });

  it("loads the serving node's flight recorder over HTTP and filters by message type", async () => {
    await page.selectOption('#filter-term', '');
    await page.click('#load-flight');
    await waitInPage(page, () => document.querySelector('#timeline-summary')?.textContent?.startsWith("this node's flight recorder") === true);
    const shown = async (): Promise<number> => Number(await page.$eval('#timeline', (svg) => svg.getAttribute('data-shown')));
    const withoutHeartbeats = await shown();
    await page.check('#filter-types input[value="Heartbeat"]');
    const heartbeats = await page.locator('#timeline line.arrow[data-type="Heartbeat"]').count();
    expect(heartbeats).toBeGreaterThan(0);
    expect(await shown()).toBeGreaterThan(withoutHeartbeats);
    await page.uncheck('#filter-types input[value="Heartbeat"]');
    expect(await page.locator('#timeline line.arrow[data-type="Heartbeat"]').count()).toBe(0);
  });
});
