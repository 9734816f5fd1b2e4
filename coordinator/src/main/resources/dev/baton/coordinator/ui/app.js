// Baton's dashboard: plain ES modules over the JSON API, no build step. For an operator on call: what is broken
// (overview, dead letters), what is about to run (jobs, upcoming), and why a run failed (run page, live logs).

import { api, ApiError, follow, query, setToken, token } from './api.js';
import { draw, stateName } from './graph.js';

const ROLE_RANK = { ROLE_VIEWER: 1, ROLE_OPERATOR: 2, ROLE_ADMIN: 3 };
const PAGE = 25;
let me = { who: '', role: 'ROLE_UNSPECIFIED', auth: false };
let leaving = () => {};

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

/** An element: h('a', {href: '#/'}, 'text', child, ...). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) {
      continue;
    }
    if (k.startsWith('on')) {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = v;
    } else {
      el.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null && c !== false) {
      el.append(c instanceof Node ? c : String(c));
    }
  }
  return el;
}

function table(headers, rows, testid) {
  return h('table', { 'data-testid': testid },
    h('thead', {}, h('tr', {}, headers.map(x => h('th', {}, x)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, 'none'))));
}

function stateBadge(state) {
  const name = stateName(state);
  return h('span', { class: 'state ' + name, 'data-state': name }, name.toLowerCase().replace('_', ' '));
}

function when(ts) {
  if (!ts) {
    return '-';
  }
  const d = new Date(ts);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function ago(ts) {
  if (!ts) {
    return '-';
  }
  const s = Math.max(0, (Date.now() - new Date(ts).getTime()) / 1000);
  return s < 90 ? s.toFixed(1) + ' s ago' : s < 5400 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
}

function seconds(from, to) {
  if (!from || !to) {
    return null;
  }
  return (new Date(to).getTime() - new Date(from).getTime()) / 1000;
}

function mayAct(role) {
  return !me.auth || (ROLE_RANK[me.role] || 0) >= ROLE_RANK[role];
}

/** A button that asks before it acts, and says why it is off when the user's role cannot act. */
function action(label, needs, confirmText, run, testid) {
  const allowed = mayAct(needs);
  const roleText = needs.replace('ROLE_', '').toLowerCase();
  return h('button', {
    'data-testid': testid,
    disabled: !allowed,
    title: allowed ? undefined : 'needs the ' + roleText + ' role; you are ' + me.role.replace('ROLE_', '').toLowerCase(),
    onclick: async () => {
      if (confirmText && !window.confirm(confirmText)) {
        return;
      }
      try {
        await run();
        route();
      } catch (e) {
        show(e);
      }
    },
  }, label);
}

function show(error) {
  const main = document.getElementById('main');
  main.prepend(h('p', { class: 'error', 'data-testid': 'error' }, errorText(error)));
}

function errorText(e) {
  if (e instanceof ApiError) {
    if (e.status === 403) {
      return 'Not allowed: ' + e.message;
    }
    return e.message + (e.reason ? ' (' + e.reason + ')' : '');
  }
  return String(e && e.message || e);
}

function link(href, text, testid) {
  return h('a', { href, 'data-testid': testid }, text);
}

// ---------------------------------------------------------------------------------------------------------------
// Pages

async function overview(main) {
  const dayAgo = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
  const [cluster, workers, failures, skipped] = await Promise.all([
    api('/cluster'),
    api('/workers'),
    api('/runs' + query({ states: ['RUN_STATE_FAILED', 'RUN_STATE_TIMED_OUT', 'RUN_STATE_DEAD_LETTERED'],
      createdAfter: dayAgo, pageSize: 100 })),
    api('/runs' + query({ states: ['RUN_STATE_SKIPPED'], createdAfter: dayAgo, pageSize: 100 })),
  ]);
  const skippedRuns = skipped.runs || [];
  const missed = skippedRuns.filter(r => (r.stateReason || '').startsWith('misfire:'));
  const card = (k, v, testid) => h('div', { class: 'card', 'data-testid': testid }, h('div', { class: 'v' }, v),
    h('div', { class: 'k' }, k));
  main.append(
    h('h1', {}, 'Overview'),
    h('div', { class: 'cards' },
      card('leader', cluster.leaderAddress || '-', 'leader'),
      card('epoch', cluster.epoch || '0', 'epoch'),
      card('live workers', cluster.liveWorkers || 0, 'live-workers'),
      card('free / total slots', (cluster.freeSlots || 0) + ' / ' + (cluster.totalSlots || 0), 'slots'),
      card('jobs', cluster.jobs || '0', 'jobs-count'),
      card('active runs', cluster.activeRuns || '0', 'active-runs'),
      card('failures, 24 h', (failures.runs || []).length + (failures.nextPageToken ? '+' : ''), 'failures-24h'),
      card('missed / skipped ticks, 24 h', missed.length + ' / ' + (skippedRuns.length - missed.length),
        'skipped-24h')),
    h('h2', {}, 'Queue by priority'),
    table(['priority', 'queued'], (cluster.queueDepth || []).map(q => h('tr', {},
      h('td', {}, (q.priority || '').replace('PRIORITY_', '').toLowerCase()), h('td', {}, q.queued || '0'))),
    'queue'),
    h('h2', {}, 'Coordinators'),
    table(['name', 'address', 'role', 'replication lag', 'in sync'], (cluster.coordinators || []).map(c => h('tr', {},
      h('td', {}, c.name), h('td', {}, c.address), h('td', {}, (c.role || '').replace('COORDINATOR_ROLE_', '')
        .toLowerCase()), h('td', {}, (c.replicationLag || '0') + ' changes'), h('td', {}, c.inSync ? 'yes' : '-')))),
    h('h2', {}, 'Workers'),
    table(['name', 'state', 'slots free / total', 'labels', 'last heartbeat', 'runs'], (workers.workers || []).map(w =>
      h('tr', { 'data-worker': w.name }, h('td', {}, w.name),
        h('td', {}, (w.state || '').replace('WORKER_STATE_', '').toLowerCase() + (w.stateReason ? ': '
          + w.stateReason : '')),
        h('td', {}, (w.freeSlots || 0) + ' / ' + (w.slots || 0)),
        h('td', {}, Object.entries(w.labels || {}).map(([k, v]) => k + '=' + v).join(', ') || '-'),
        h('td', {}, ago(w.lastHeartbeatTime)), h('td', {}, (w.runIds || []).length))), 'workers'),
    h('h2', {}, 'Failures in the last 24 hours'),
    runTable(failures.runs || [], 'failures'),
    h('h2', {}, 'Missed and skipped ticks in the last 24 hours'),
    runTable(skippedRuns, 'skipped'));
}

function runTable(runs, testid) {
  return table(['run', 'job', 'state', 'why', 'scheduled', 'created'], runs.map(r => h('tr', { 'data-run': r.id },
    h('td', {}, link('#/runs/' + r.id, r.id)), h('td', {}, link('#/jobs/' + encodeURIComponent(r.job), r.job)),
    h('td', {}, stateBadge(r.state)), h('td', {}, r.stateReason || ''), h('td', {}, when(r.scheduledTime)),
    h('td', {}, when(r.createTime)))), testid);
}

async function jobs(main, params) {
  const prefix = params.get('q') || '';
  const enabled = params.get('enabled') || '';
  const pageToken = params.get('page') || '';
  const answer = await api('/jobs' + query({ namePrefix: prefix, enabled, pageSize: PAGE, pageToken }));
  const go = (q, e, page) => {
    location.hash = '#/jobs' + query({ q, enabled: e, page });
  };
  const search = h('input', { placeholder: 'name starts with…', value: prefix, 'data-testid': 'job-search',
    onkeydown: ev => { if (ev.key === 'Enter') { go(search.value, filter.value, ''); } } });
  const filter = h('select', { 'data-testid': 'job-filter', onchange: () => go(search.value, filter.value, '') },
    h('option', { value: '' }, 'all'), h('option', { value: 'true' }, 'enabled'),
    h('option', { value: 'false' }, 'paused'));
  filter.value = enabled;
  const rows = (answer.jobs || []).map(j => h('tr', { 'data-job': j.name },
    h('td', {}, link('#/jobs/' + encodeURIComponent(j.name), j.name)),
    h('td', {}, j.resolvedSchedule ? j.resolvedSchedule.description || j.schedule
      : (j.dependencies || []).length ? 'after ' + j.dependencies.join(', ') : 'on demand'),
    h('td', {}, j.enabled === false ? 'paused' : when(j.nextFireTime)),
    h('td', {}, j.lastRunState ? h('a', { href: '#/runs/' + j.lastRunId }, stateBadge(j.lastRunState)) : '-'),
    h('td', {}, jobActions(j))));
  main.append(
    h('h1', {}, 'Jobs'),
    h('div', { class: 'toolbar' }, search, h('button', { onclick: () => go(search.value, filter.value, '') },
      'Search'), filter),
    table(['name', 'schedule', 'next fire', 'last run', ''], rows, 'jobs'),
    h('div', { class: 'pager' },
      pageToken ? h('button', { onclick: () => history.back() }, '← Previous') : null,
      answer.nextPageToken ? h('button', { 'data-testid': 'next-page',
        onclick: () => go(prefix, enabled, answer.nextPageToken) }, 'Next →') : null,
      h('span', { class: 'muted' }, PAGE + ' per page')));
}

function jobActions(j) {
  const name = encodeURIComponent(j.name);
  return h('span', {},
    action('Trigger', 'ROLE_OPERATOR', 'Trigger a run of ' + j.name + ' now?',
      () => api('/jobs/' + name + ':trigger', { method: 'POST', body: {} }), 'trigger-' + j.name), ' ',
    j.enabled === false
      ? action('Resume', 'ROLE_OPERATOR', 'Resume ' + j.name + '?',
        () => api('/jobs/' + name + ':resume', { method: 'POST', body: {} }), 'resume-' + j.name)
      : action('Pause', 'ROLE_OPERATOR', 'Pause ' + j.name + '? Its ticks create no runs until resumed.',
        () => api('/jobs/' + name + ':pause', { method: 'POST', body: {} }), 'pause-' + j.name));
}

async function job(main, name) {
  const j = await api('/jobs/' + encodeURIComponent(name));
  const runs = (await api('/runs' + query({ job: name, pageSize: 50 }))).runs || [];
  let fires = [];
  if (j.schedule && j.enabled !== false) {
    try {
      fires = (await api('/schedules:explain' + query({ schedule: j.schedule, timezone: j.timezone, count: 5 })))
        .nextFireTimes || [];
    } catch (e) {
      fires = [];
    }
  }
  const durations = runs.map(r => {
    const a = (r.attempts || [])[Math.max(0, (r.attempts || []).length - 1)] || {};
    return seconds(a.startTime, a.finishTime) || 0;
  });
  const longest = Math.max(1, ...durations);
  const strip = h('div', { class: 'strip', 'data-testid': 'history-strip' }, [...runs].reverse().map((r, i) => {
    const d = durations[runs.length - 1 - i];
    return h('a', { href: '#/runs/' + r.id, class: stateName(r.state), style: 'height:' + Math.max(6,
      Math.round(52 * d / longest)) + 'px', title: 'run ' + r.id + ': ' + stateName(r.state).toLowerCase()
      + (d ? ', ' + d.toFixed(2) + ' s' : '') });
  }));
  const ticks = runs.filter(r => r.reason === 'RUN_REASON_SCHEDULE');
  const definition = { ...j };
  for (const k of ['version', 'createTime', 'updateTime', 'resolvedSchedule', 'nextFireTime', 'lastRunId',
    'lastRunState', 'pausedFireTime']) {
    delete definition[k];
  }
  main.append(
    h('h1', {}, 'Job ', h('span', { 'data-testid': 'job-name' }, j.name), ' ',
      j.enabled === false ? h('span', { class: 'state', 'data-testid': 'paused' }, 'paused') : ''),
    h('div', { class: 'toolbar' }, jobActions(j)),
    h('h2', {}, 'Runs, newest right (height: duration)'), strip,
    h('h2', {}, 'Next fire times'),
    fires.length ? h('ul', { 'data-testid': 'next-fires' }, fires.map(f => h('li', {}, when(f))))
      : h('p', { class: 'muted' }, j.schedule ? (j.enabled === false ? 'paused' : 'none') : 'no schedule: runs '
        + 'only when triggered or as a dependency'),
    h('h2', {}, 'Ticks'),
    table(['tick', 'run', 'outcome', 'why'], ticks.map(r => h('tr', {},
      h('td', {}, when(r.scheduledTime)), h('td', {}, link('#/runs/' + r.id, r.id)),
      h('td', {}, stateName(r.state) === 'SKIPPED' ? ((r.stateReason || '').startsWith('misfire:')
        ? 'missed ' + (r.missedTicks || 1) : 'skipped') : 'ran' + (r.missedTicks ? ' (+' + r.missedTicks
          + ' missed)' : '')),
      h('td', {}, r.stateReason || ''))), 'ticks'),
    h('h2', {}, 'Definition'),
    h('pre', { 'data-testid': 'definition' }, JSON.stringify(definition, null, 2)));
}

async function run(main, id) {
  const r = await api('/runs/' + encodeURIComponent(id));
  const attempts = r.attempts || [];
  const log = h('pre', { class: 'log', 'data-testid': 'log' });
  const status = h('p', { class: 'muted', 'data-testid': 'log-status' }, 'loading output…');
  const active = ['QUEUED', 'ASSIGNED', 'RUNNING', 'PENDING'].includes(stateName(r.state));
  main.append(
    h('h1', {}, 'Run ', h('span', { 'data-testid': 'run-id' }, r.id), ' of ',
      link('#/jobs/' + encodeURIComponent(r.job), r.job), ' ', stateBadge(r.state)),
    r.stateReason ? h('p', { 'data-testid': 'state-reason' }, r.stateReason) : '',
    h('p', {}, 'scheduled ', when(r.scheduledTime), ' · ', (r.reason || '').replace('RUN_REASON_', '').toLowerCase(),
      ' · wave ', link('#/waves/' + r.waveId, r.waveId, 'wave-link')),
    h('div', { class: 'toolbar' },
      active ? action('Cancel', 'ROLE_OPERATOR', 'Cancel run ' + r.id + '?', () => api('/runs/' + r.id + ':cancel',
        { method: 'POST', body: {} }), 'cancel') : '',
      ['FAILED', 'TIMED_OUT'].includes(stateName(r.state)) && !r.nextAttemptTime
        ? action('Rerun', 'ROLE_OPERATOR', 'Run ' + r.job + ' again as a new series?',
          () => api('/runs/' + r.id + ':rerun', { method: 'POST', body: {} }), 'rerun') : ''),
    h('h2', {}, 'Attempts'),
    table(['#', 'worker', 'outcome', 'exit', 'queued', 'started', 'finished', 'took', 'error'],
      attempts.map(a => h('tr', {}, h('td', {}, a.number), h('td', {}, a.workerName || '-'),
        h('td', {}, (a.outcome || '').replace('ATTEMPT_OUTCOME_', '').toLowerCase() || '-'),
        h('td', {}, a.exitCode !== undefined ? a.exitCode : a.signal ? 'signal ' + a.signal : '-'),
        h('td', {}, when(a.queueTime)), h('td', {}, when(a.startTime)), h('td', {}, when(a.finishTime)),
        h('td', {}, seconds(a.startTime, a.finishTime) !== null ? seconds(a.startTime, a.finishTime).toFixed(2) + ' s'
          : '-'), h('td', {}, a.error || ''))), 'attempts'),
    h('h2', {}, 'Output ', h('span', { class: 'muted' }, '(stderr in red)')), status, log);
  if (!attempts.length) {
    status.textContent = 'no attempt yet';
    return;
  }
  const controller = new AbortController();
  leaving = () => controller.abort();
  status.textContent = active ? 'following the live output…' : 'output of attempt ' + attempts.length;
  status.setAttribute('data-live', String(active));
  // Not awaited: the page is shown at once, and the output streams into it.
  streamOutput(r.id, attempts.length, active, log, status, controller.signal);
}

async function streamOutput(runId, attempt, live, log, status, signal) {
  const decoder = new TextDecoder();
  try {
    await follow('/runs/' + runId + '/output' + query({ attempt, follow: live }), chunk => {
      const bytes = Uint8Array.from(atob(chunk.data || ''), c => c.charCodeAt(0));
      const stderr = chunk.stream === 'OUTPUT_STREAM_STDERR';
      log.append(h('span', { class: stderr ? 'stderr' : 'stdout' }, decoder.decode(bytes)));
      log.scrollTop = log.scrollHeight;
    }, signal);
    status.textContent = 'end of output';
    status.setAttribute('data-ended', 'true');
  } catch (e) {
    if (e.name !== 'AbortError') {
      status.textContent = 'output: ' + errorText(e);
    }
  }
}

async function wave(main, id) {
  const w = await api('/waves/' + encodeURIComponent(id));
  main.append(
    h('h1', {}, 'Wave ', h('span', { 'data-testid': 'wave-id' }, w.id), ' from ', w.rootJob, ' ',
      stateBadge((w.state || '').replace('WAVE_STATE_', 'RUN_STATE_'))),
    h('p', { class: 'muted' }, 'Each box is a job of the wave, coloured by its run; click one to open its run.'),
    h('div', { 'data-testid': 'wave-graph' }, draw(w.nodes || [], n => {
      if (n.runId) {
        location.hash = '#/runs/' + n.runId;
      }
    })));
}

async function upcoming(main, params) {
  const hours = Number(params.get('hours') || 6);
  const answer = await api('/jobs' + query({ enabled: true, pageSize: 500 }));
  const now = Date.now();
  const end = now + hours * 3600 * 1000;
  const soon = (answer.jobs || []).filter(j => j.nextFireTime && new Date(j.nextFireTime).getTime() <= end)
    .sort((a, b) => new Date(a.nextFireTime) - new Date(b.nextFireTime)).slice(0, 30);
  const fires = await Promise.all(soon.map(async j => {
    try {
      const e = await api('/schedules:explain' + query({ schedule: j.schedule, timezone: j.timezone, count: 60 }));
      return (e.nextFireTimes || []).map(t => new Date(t).getTime()).filter(t => t <= end);
    } catch (err) {
      return [new Date(j.nextFireTime).getTime()];
    }
  }));
  const select = h('select', { 'data-testid': 'hours', onchange: () => { location.hash = '#/upcoming?hours='
    + select.value; } }, [1, 6, 24].map(n => h('option', { value: n }, 'next ' + n + ' h')));
  select.value = String(hours);
  const left = 180;
  const width = 900;
  const rowH = 22;
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('class', 'timeline');
  svg.setAttribute('width', left + width + 20);
  svg.setAttribute('height', 30 + Math.max(1, soon.length) * rowH);
  const x = t => left + (t - now) / (end - now) * width;
  for (let i = 0; i <= 6; i++) {
    const t = now + (end - now) * i / 6;
    const label = document.createElementNS(svgNs, 'text');
    label.setAttribute('x', x(t) - 20);
    label.setAttribute('y', 12);
    label.textContent = new Date(t).toISOString().slice(11, 16) + 'Z';
    svg.appendChild(label);
  }
  soon.forEach((j, i) => {
    const y = 30 + i * rowH;
    const name = document.createElementNS(svgNs, 'text');
    name.setAttribute('x', 4);
    name.setAttribute('y', y + 4);
    name.textContent = j.name;
    svg.appendChild(name);
    for (const t of fires[i]) {
      const dot = document.createElementNS(svgNs, 'circle');
      dot.setAttribute('cx', x(t));
      dot.setAttribute('cy', y);
      dot.setAttribute('r', 4);
      dot.setAttribute('class', 'fire');
      dot.setAttribute('data-job', j.name);
      const title = document.createElementNS(svgNs, 'title');
      title.textContent = j.name + ' at ' + new Date(t).toISOString();
      dot.appendChild(title);
      svg.appendChild(dot);
    }
  });
  main.append(
    h('h1', {}, 'Upcoming'),
    h('div', { class: 'toolbar' }, select, h('span', { class: 'muted' }, soon.length + ' jobs fire in this window'
      + (answer.nextPageToken ? ' (of the first 500 jobs)' : ''))),
    h('div', { 'data-testid': 'timeline' }, svg),
    table(['job', 'next fire', 'schedule'], soon.map(j => h('tr', {}, h('td', {}, link('#/jobs/'
      + encodeURIComponent(j.name), j.name)), h('td', {}, when(j.nextFireTime)),
      h('td', {}, j.resolvedSchedule ? j.resolvedSchedule.description : j.schedule))), 'upcoming'));
}

async function deadLetters(main) {
  const answer = await api('/deadLetters' + query({ pageSize: 100 }));
  main.append(
    h('h1', {}, 'Dead letters'),
    h('p', { class: 'muted' }, 'Runs whose retries are exhausted. Redrive runs one again as a new series; purge '
      + 'removes the entry (the run stays in the history).'),
    table(['run', 'job', 'why', 'last exit', 'since', ''], (answer.deadLetters || []).map(d => h('tr',
      { 'data-run': d.run.id },
      h('td', {}, link('#/runs/' + d.run.id, d.run.id)), h('td', {}, d.run.job), h('td', {}, d.reason || ''),
      h('td', {}, d.lastExitCode !== undefined ? d.lastExitCode : '-'), h('td', {}, when(d.deadLetterTime)),
      h('td', {},
        action('Redrive', 'ROLE_OPERATOR', 'Run ' + d.run.job + ' again (run ' + d.run.id + ')?',
          () => api('/deadLetters/' + d.run.id + ':redrive', { method: 'POST', body: {} }), 'redrive-' + d.run.id),
        ' ',
        action('Purge', 'ROLE_OPERATOR', 'Remove run ' + d.run.id + ' from the dead-letter queue?',
          () => api('/deadLetters/' + d.run.id, { method: 'DELETE' }), 'purge-' + d.run.id)))), 'dead-letters'));
}

async function audit(main) {
  const since = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString();
  const answer = await api('/auditRecords' + query({ since, pageSize: 500 }));
  const records = (answer.records || []).slice().reverse();
  main.append(
    h('h1', {}, 'Audit log'),
    h('p', { class: 'muted' }, 'Every change of the last 7 days, newest first: who, what, how it ended.'),
    table(['time', 'who', 'role', 'call', 'target', 'outcome', 'from'], records.map(r => h('tr', {},
      h('td', {}, when(r.time)), h('td', {}, r.who), h('td', {}, (r.role || '').replace('ROLE_', '').toLowerCase()),
      h('td', {}, (r.method || '').replace('baton.v1.', '')), h('td', {}, r.target || ''),
      h('td', {}, r.outcome + (r.message ? ': ' + r.message : '')), h('td', {}, r.peer || ''))), 'audit'));
}

function login(main, why) {
  const input = h('input', { type: 'password', placeholder: 'token (baton_...)', 'data-testid': 'token' });
  const submit = async () => {
    setToken(input.value);
    await start();
  };
  main.append(h('div', { class: 'login' },
    h('h1', {}, 'Log in'),
    why ? h('p', { class: 'notice' }, why) : '',
    h('p', { class: 'muted' }, 'This coordinator asks every caller for a token: make one with '
      + '"baton token create NAME --role viewer" (or operator, admin).'),
    input, h('button', { 'data-testid': 'login', onclick: submit }, 'Log in')));
  input.addEventListener('keydown', e => { if (e.key === 'Enter') { submit(); } });
}

// ---------------------------------------------------------------------------------------------------------------
// Routing

const ROUTES = [
  [/^\/$/, 'overview', (main) => overview(main)],
  [/^\/jobs$/, 'jobs', (main, m, params) => jobs(main, params)],
  [/^\/jobs\/(.+)$/, 'jobs', (main, m) => job(main, decodeURIComponent(m[1]))],
  [/^\/runs\/(.+)$/, 'jobs', (main, m) => run(main, decodeURIComponent(m[1]))],
  [/^\/waves\/(.+)$/, 'jobs', (main, m) => wave(main, decodeURIComponent(m[1]))],
  [/^\/upcoming$/, 'upcoming', (main, m, params) => upcoming(main, params)],
  [/^\/dlq$/, 'dlq', (main) => deadLetters(main)],
  [/^\/audit$/, 'audit', (main) => audit(main)],
];

let current = 0;

/** Shows the page the hash names: built aside, then put in place unless another page was asked for meanwhile. */
async function route() {
  leaving();
  leaving = () => {};
  const generation = ++current;
  const main = document.getElementById('main');
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search] = hash.split('?');
  const params = new URLSearchParams(search || '');
  const found = ROUTES.map(([re, nav, render]) => [path.match(re), nav, render]).find(([m]) => m);
  document.querySelectorAll('nav a').forEach(a => a.classList.toggle('active', found && a.dataset.nav === found[1]));
  main.removeAttribute('data-loaded');
  if (!found) {
    main.replaceChildren(h('p', { class: 'error' }, 'No page at ' + hash));
    return;
  }
  const view = h('div', {});
  try {
    await found[2](view, found[0], params);
  } catch (e) {
    if (generation !== current) {
      return;
    }
    if (e instanceof ApiError && e.status === 401) {
      setToken(null);
      main.replaceChildren();
      login(main, errorText(e));
      return;
    }
    main.replaceChildren(h('p', { class: 'error', 'data-testid': 'error' }, errorText(e)));
    return;
  }
  if (generation === current) {
    main.replaceChildren(view);
    main.setAttribute('data-loaded', path);
  }
}

async function start() {
  const main = document.getElementById('main');
  try {
    me = await api('/whoami');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      main.replaceChildren();
      login(main, token() ? errorText(e) : '');
      document.getElementById('who').textContent = '';
      return;
    }
    main.replaceChildren(h('p', { class: 'error' }, errorText(e)));
    return;
  }
  const who = document.getElementById('who');
  who.replaceChildren(me.auth ? me.who + ' (' + (me.role || '').replace('ROLE_', '').toLowerCase() + ')' : 'no auth',
    me.auth ? h('button', { style: 'margin-left:8px', onclick: () => { setToken(null); start(); } }, 'Log out') : '');
  who.setAttribute('data-role', me.role || '');
  await route();
}

window.addEventListener('hashchange', route);
start();
