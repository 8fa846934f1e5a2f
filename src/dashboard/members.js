// The members table and the election history, from GET /cluster.

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text === undefined || text === null ? '' : String(text);
  if (className) td.className = className;
  return td;
}

/** One row per member: role, term, leader, indexes and lag behind the leader, `down` when unreachable. */
export function renderMembers(tbody, cluster) {
  tbody.replaceChildren(
    ...cluster.members.map((m) => {
      const tr = document.createElement('tr');
      tr.dataset.node = m.node ?? m.address;
      tr.dataset.role = m.up ? m.role : 'down';
      tr.className = m.up ? `role-${m.role}` : 'down';
      if (!m.up) {
        tr.append(cell(m.node ?? '?'), cell(m.address), cell('down', 'role'), cell(''), cell(''), cell(''), cell(''), cell(''), cell(m.error ?? ''));
        return tr;
      }
      tr.append(
        cell(m.node),
        cell(m.address),
        cell(m.role, 'role'),
        cell(m.term),
        cell(m.leader ?? '(none)'),
        cell(m.commitIndex),
        cell(m.appliedIndex),
        cell(m.lastLogIndex),
        cell(m.lagEntries === undefined ? '' : m.lagEntries, 'lag'),
      );
      return tr;
    }),
  );
}

/** Newest first: term, winner, candidates, start time, time to elect, and why it started. */
export function renderElections(tbody, elections) {
  const rows = [...elections].reverse().map((e) => {
    const tr = document.createElement('tr');
    tr.dataset.term = String(e.term);
    const took = e.electedMs !== null ? `${e.electedMs - e.startedMs} ms` : '';
    const votes = e.votesGranted.length > 0 ? ` (votes from ${e.votesGranted.join(', ')})` : '';
    tr.append(
      cell(e.term),
      cell(e.leader === null ? '(none yet)' : `${e.leader}${votes}`, 'winner'),
      cell(e.candidates.join(', ')),
      cell(new Date(e.startedMs).toLocaleTimeString()),
      cell(took),
      cell(whyText(e)),
    );
    return tr;
  });
  tbody.replaceChildren(...rows);
}

function whyText(e) {
  if (e.reason) return e.reason;
  if (e.leader !== null && e.previousLeader === e.leader) return `${e.leader} kept leading`;
  return e.leader !== null ? `learned of leader ${e.leader}` : '';
}
