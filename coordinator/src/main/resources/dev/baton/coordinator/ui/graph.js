// A dependency wave drawn as a graph: each job a box in the column of its depth (longest path from a root),
// coloured by its run's state, with an arrow from each upstream job. Plain SVG, no library.

const SVG = 'http://www.w3.org/2000/svg';
const BOX_H = 40;
const GAP_X = 70;
const GAP_Y = 18;
const COLORS = {
  SUCCEEDED: '#2e9e5b', FAILED: '#d33c3c', TIMED_OUT: '#d33c3c', RUNNING: '#2f7fd8', ASSIGNED: '#2f7fd8',
  SKIPPED: '#d9a521', CANCELLED: '#7d6bb3', DEAD_LETTERED: '#8c1d1d', QUEUED: '#9aa3b5', PENDING: '#9aa3b5',
};

/** Column (depth) and row of each job: roots in column 0, each job one column right of its deepest upstream. */
export function layout(nodes) {
  const byJob = new Map(nodes.map(n => [n.job, n]));
  const depth = new Map();
  const visiting = new Set();
  const depthOf = job => {
    if (depth.has(job)) {
      return depth.get(job);
    }
    if (visiting.has(job)) {
      return 0; // not expected: waves are acyclic
    }
    visiting.add(job);
    const node = byJob.get(job);
    const ups = (node && node.upstream || []).filter(u => byJob.has(u));
    const d = ups.length ? Math.max(...ups.map(depthOf)) + 1 : 0;
    depth.set(job, d);
    return d;
  };
  nodes.forEach(n => depthOf(n.job));
  const rows = new Map();
  const placed = new Map();
  for (const n of [...nodes].sort((a, b) => a.job.localeCompare(b.job))) {
    const col = depth.get(n.job);
    const row = rows.get(col) || 0;
    rows.set(col, row + 1);
    placed.set(n.job, { col, row });
  }
  return placed;
}

export function stateName(state) {
  return (state || 'RUN_STATE_UNSPECIFIED').replace('RUN_STATE_', '');
}

/** The wave as an SVG element; clicking a job's box calls onOpen(node). */
export function draw(nodes, onOpen) {
  const placed = layout(nodes);
  // Wide enough for the longest job name (about 7.5 px a character at 12 px).
  const BOX_W = Math.max(140, 20 + 7.5 * Math.max(...nodes.map(n => n.job.length), 0));
  const cols = Math.max(1, ...[...placed.values()].map(p => p.col + 1));
  const rows = Math.max(1, ...[...placed.values()].map(p => p.row + 1));
  const svg = document.createElementNS(SVG, 'svg');
  const width = cols * (BOX_W + GAP_X) + 20;
  const height = rows * (BOX_H + GAP_Y) + 20;
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('class', 'graph');
  svg.innerHTML = '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7"'
    + ' orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#8a93a6"/></marker></defs>';
  const at = job => {
    const p = placed.get(job);
    return { x: 10 + p.col * (BOX_W + GAP_X), y: 10 + p.row * (BOX_H + GAP_Y) };
  };
  for (const n of nodes) {
    for (const up of n.upstream || []) {
      if (!placed.has(up)) {
        continue;
      }
      const a = at(up);
      const b = at(n.job);
      const path = document.createElementNS(SVG, 'path');
      const x1 = a.x + BOX_W;
      const y1 = a.y + BOX_H / 2;
      const x2 = b.x;
      const y2 = b.y + BOX_H / 2;
      path.setAttribute('d', `M ${x1} ${y1} C ${x1 + GAP_X / 2} ${y1}, ${x2 - GAP_X / 2} ${y2}, ${x2} ${y2}`);
      path.setAttribute('class', 'edge');
      svg.appendChild(path);
    }
  }
  for (const n of nodes) {
    const { x, y } = at(n.job);
    const g = document.createElementNS(SVG, 'g');
    g.setAttribute('class', 'node');
    g.setAttribute('data-job', n.job);
    g.setAttribute('data-state', stateName(n.state));
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('x', x);
    rect.setAttribute('y', y);
    rect.setAttribute('width', BOX_W);
    rect.setAttribute('height', BOX_H);
    rect.setAttribute('fill', COLORS[stateName(n.state)] || '#c3c8d2');
    const text = document.createElementNS(SVG, 'text');
    text.setAttribute('x', x + 10);
    text.setAttribute('y', y + 17);
    text.textContent = n.job;
    const state = document.createElementNS(SVG, 'text');
    state.setAttribute('x', x + 10);
    state.setAttribute('y', y + 32);
    state.setAttribute('opacity', '0.85');
    state.textContent = n.runId ? stateName(n.state).toLowerCase().replace('_', ' ') + ' · run ' + n.runId : 'no run';
    const title = document.createElementNS(SVG, 'title');
    title.textContent = n.job + (n.runId ? ' (run ' + n.runId + ')' : '');
    g.append(rect, text, state, title);
    g.addEventListener('click', () => onOpen(n));
    svg.appendChild(g);
  }
  return svg;
}
