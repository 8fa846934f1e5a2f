// Reading traces in the browser: NDJSON trace files (docs/trace-format.md),
// flight-recorder dumps and `raftkv trace merge --json` output, into lanes,
// message arrows (each send matched to its receive) and markers.

/** Parses NDJSON texts; returns records (deduplicated, in time order), headers and bad lines. */
export function parseTraces(texts) {
  const headers = [];
  const records = [];
  const errors = [];
  const seen = new Set();
  texts.forEach((text, file) => {
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let value;
      try {
        value = JSON.parse(line);
      } catch (error) {
        if (errors.length < 20) errors.push(`file ${file + 1} line ${i + 1}: ${error.message}`);
        return;
      }
      if (value && value.format === 'raftkv-trace') headers.push(value);
      else if (value && typeof value.node === 'string' && typeof value.t === 'number' && value.event) {
        const id = `${value.node}:${value.seq}:${value.t}`;
        if (seen.has(id)) return;
        seen.add(id);
        records.push(value);
      } else if (errors.length < 20) errors.push(`file ${file + 1} line ${i + 1}: not a trace record`);
    });
  });
  records.sort((a, b) => a.t - b.t || (a.node === b.node ? a.seq - b.seq : 0));
  return { headers, records, errors };
}

/** A message's identity: its fields in a fixed order, so a send and its receive compare equal. */
export function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Lanes (one per node), arrows (messages) and markers (role changes, client requests) of a trace. */
export function buildTimeline({ headers, records }) {
  const nodes = new Set(headers.map((h) => h.node));
  const sends = new Map();
  // Receives seen before their send: clocks of different nodes (or one millisecond shared by both) can put
  // a receive first in time order.
  const early = new Map();
  const arrows = [];
  const markers = [];
  const lastRole = new Map();
  for (const record of records) {
    nodes.add(record.node);
    const event = record.event;
    if (event.type === 'net.send') {
      for (const message of event.messages) {
        const key = canonical(message);
        const received = early.get(key);
        if (received && received.length > 0) {
          const arrow = received.shift();
          arrow.send = record;
          arrow.sendT = record.t;
          arrow.matched = true;
          continue;
        }
        const arrow = newArrow(message, record, null);
        arrows.push(arrow);
        if (!sends.has(key)) sends.set(key, []);
        sends.get(key).push(arrow);
      }
    } else if (event.type === 'net.recv') {
      const queue = sends.get(canonical(event.message));
      const arrow = queue && queue.length > 0 ? queue.shift() : null;
      if (arrow) {
        arrow.recv = record;
        arrow.recvT = record.t;
        arrow.matched = true;
      } else {
        const arrow = newArrow(event.message, null, record);
        arrows.push(arrow);
        const key = canonical(event.message);
        if (!early.has(key)) early.set(key, []);
        early.get(key).push(arrow);
      }
    } else if (event.type === 'raft.status') {
      const now = `${event.role}/${event.term}`;
      if (lastRole.get(record.node) !== now) {
        lastRole.set(record.node, now);
        markers.push({ kind: event.role, node: record.node, t: record.t, term: event.term, label: `${event.role} t${event.term}`, record });
      }
    } else if (event.type === 'client.request') {
      markers.push({ kind: 'client', node: record.node, t: record.t, term: null, label: requestLabel(event.request), record });
    }
  }
  for (const arrow of arrows) {
    nodes.add(arrow.from);
    nodes.add(arrow.to);
  }
  const terms = [...new Set(arrows.map((a) => a.term).concat(markers.filter((m) => m.term !== null).map((m) => m.term)))].sort((a, b) => a - b);
  return {
    lanes: [...nodes].sort(),
    arrows,
    markers,
    terms,
    t0: records.length > 0 ? records[0].t : 0,
    t1: records.length > 0 ? records.at(-1).t : 1,
  };
}

function newArrow(message, send, recv) {
  return {
    type: message.type,
    term: message.term,
    from: message.from,
    to: message.to,
    message,
    send,
    recv,
    sendT: send ? send.t : recv.t,
    recvT: recv ? recv.t : send.t,
    matched: false,
  };
}

function requestLabel(request) {
  if (request.kind === 'write') return `${request.command.op} ${keyText(request.command.key ?? request.command.keys?.[0])}`;
  if (request.kind === 'read') return `${request.query.op} ${keyText(request.query.key ?? request.query.keys?.[0] ?? request.query.pattern ?? request.query.prefix)}`;
  return request.kind;
}

function keyText(bytes) {
  if (!bytes || typeof bytes.$b64 !== 'string') return '';
  try {
    return atob(bytes.$b64).slice(0, 40);
  } catch {
    return '?';
  }
}

/** True when value carries key's bytes anywhere: a key field, or inside an encoded log entry. */
export function mentionsKey(value, key) {
  if (value === null || typeof value !== 'object') return false;
  if (typeof value.$b64 === 'string') {
    try {
      return atob(value.$b64).includes(key);
    } catch {
      return false;
    }
  }
  return Object.values(value).some((child) => mentionsKey(child, key));
}

/** A key as the binary string atob() produces for its UTF-8 bytes. */
export function binaryKey(text) {
  return Array.from(new TextEncoder().encode(text), (b) => String.fromCharCode(b)).join('');
}
