// The Tally explorer: a few views over the node's JSON API (/openapi.json), chosen by the URL's hash.
// No framework and no build step; every value from the node reaches the page as text, never as HTML.
// Stable hooks for scripts/browser-check: #view[data-page][data-state], #latest-blocks tr[data-height]
// [data-hash] a.block-link, #block-hash, #block-transactions a.tx-link, #tx-id, #tx-status,
// #tx-outputs tr[data-index], #search-input, #search-button, #search-error, nav a[data-nav].
'use strict';

(() => {
  const POLL_MS = 2000;            // how often /api/chain is asked for the tip
  const REQUEST_TIMEOUT_MS = 8000; // a request the node has not answered by then fails
  const PAGE = 20;                 // blocks on the home page, history entries per page
  const UNITS = 100000000;         // base units per coin

  const view = document.getElementById('view');
  const liveStatus = document.getElementById('live-status');
  const searchForm = document.getElementById('search');
  const searchInput = document.getElementById('search-input');
  const searchError = document.getElementById('search-error');

  let chain = null;         // the last /api/chain answer
  let renderToken = 0;      // a view finishing after a newer one started is dropped
  let current = null;       // {route, onChain} of the view on screen
  let homeMaxHeight = null; // highest height the home page showed, to highlight new rows
  let peerNotice = null;    // {text, isError}: what the last peer action did, kept across refreshes

  // ---- the API ----------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, options = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    const headers = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      let response;
      try {
        response = await fetch(path, { method: options.method || 'GET', body: options.body, headers, cache: 'no-store', signal: controller.signal });
      } catch (error) {
        throw new ApiError(0, controller.signal.aborted ? `the node did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`
                                                        : 'cannot reach the node');
      }
      const text = await response.text();
      let body = null;
      try { body = text ? JSON.parse(text) : null; } catch (_) { body = null; }
      if (!response.ok) {
        const message = body && typeof body.error === 'string' ? body.error : `${response.status} ${response.statusText}`.trim();
        throw new ApiError(response.status, message);
      }
      if (body === null || typeof body !== 'object') throw new ApiError(response.status, 'the node did not answer with JSON');
      return body;
    } finally {
      clearTimeout(timer);
    }
  }

  const enc = (value) => encodeURIComponent(value);

  // ---- building the page ------------------------------------------------------------------------

  // h('a', {href: '#/', class: 'x'}, 'text', child, ...) → an element; strings become text nodes.
  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
      else element.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      element.append(child instanceof Node ? child : String(child));
    }
    return element;
  }

  const short = (hash, head = 10, tail = 8) => (hash.length > head + tail + 4 ? `${hash.slice(0, head)}…${hash.slice(-tail)}` : hash);
  const isZeroHash = (hash) => /^0+$/.test(hash);
  const num = (n) => Number(n).toLocaleString('en-US');

  function coins(units, signed = false) {
    const negative = units < 0;
    const abs = Math.abs(units);
    const whole = Math.floor(abs / UNITS);
    const fraction = String(abs % UNITS).padStart(8, '0').replace(/0+$/, '');
    const sign = negative ? '−' : (signed && units > 0 ? '+' : '');
    return `${sign}${num(whole)}${fraction ? '.' + fraction : ''}`;
  }

  // An amount in coins (exact, trailing zeros dropped); the base units in its title.
  function amount(units, signed = false, unit = false) {
    const cls = signed ? (units < 0 ? 'amount out' : 'amount in') : 'amount';
    return h('span', { class: cls, title: `${num(units)} units` }, coins(units, signed), unit ? h('span', { class: 'unit' }, ' coins') : null);
  }

  const bytes = (n) => (n < 10000 ? `${num(n)} B` : `${(n / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} kB`);

  function utc(seconds) {
    return new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  }

  function ago(seconds) {
    const s = Math.round(Date.now() / 1000 - seconds);
    if (s < 5) return 'just now';
    if (s < 120) return `${s} s ago`;
    if (s < 7200) return `${Math.floor(s / 60)} min ago`;
    if (s < 172800) return `${Math.floor(s / 3600)} h ago`;
    return `${Math.floor(s / 86400)} d ago`;
  }

  const age = (seconds) => h('time', { 'data-time': seconds, title: utc(seconds) }, ago(seconds));

  function duration(seconds) {
    if (seconds < 120) return `${seconds} s`;
    if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
    if (seconds < 172800) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
    return `${Math.floor(seconds / 86400)} d ${Math.floor((seconds % 86400) / 3600)} h`;
  }

  function hashRate(perSecond) {
    const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s'];
    let value = perSecond, i = 0;
    while (value >= 1000 && i < units.length - 1) { value /= 1000; i += 1; }
    return `${value.toLocaleString('en-US', { maximumFractionDigits: i ? 2 : 0 })} ${units[i]}`;
  }

  function hashCount(count) {
    const units = ['', 'k', 'M', 'G', 'T', 'P'];
    let value = count, i = 0;
    while (value >= 1000 && i < units.length - 1) { value /= 1000; i += 1; }
    return `${value.toLocaleString('en-US', { maximumFractionDigits: i ? 2 : 0 })}${i ? ' ' + units[i] : ''}`;
  }

  const link = (kind, id, text, extra = {}) => h('a', { href: `#/${kind}/${enc(id)}`, title: id, ...extra }, text);
  const hashLink = (kind, id, extra = {}) => link(kind, id, short(id), { class: 'hash', ...extra });
  const fullHash = (id, hash) => h('p', { id, class: 'hash full' }, hash);

  function fields(id, rows) {
    return h('dl', { id, class: 'fields' },
      rows.filter(Boolean).map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
  }

  function table(id, headings, rows, empty) {
    return h('table', { id },
      h('thead', {}, h('tr', {}, headings.map(([text, cls]) => h('th', { class: cls }, text)))),
      h('tbody', {}, rows.length ? rows : h('tr', { class: 'empty' }, h('td', { colspan: headings.length }, empty))));
  }

  function errorBox(what, error) {
    const status = error instanceof ApiError && error.status ? ` (HTTP ${error.status})` : '';
    return h('div', { id: 'view-error', class: 'error', role: 'alert' },
      h('strong', {}, `${what}: `), error.message || String(error), status);
  }

  function badge(text, cls) { return h('span', { class: `badge ${cls || ''}`.trim() }, text); }

  // ---- views ------------------------------------------------------------------------------------
  // Each returns {title, content, onChain?}; onChain(newChain, oldChain) is called on every poll.

  function blockRows(blocks, freshAbove) {
    return blocks.map((b) => h('tr', { 'data-height': b.height, 'data-hash': b.hash, class: freshAbove !== null && b.height > freshAbove ? 'fresh' : null },
      h('td', { class: 'num' }, link('block', b.hash, num(b.height), { class: 'block-link' })),
      h('td', {}, hashLink('block', b.hash)),
      h('td', {}, age(b.time)),
      h('td', { class: 'num' }, num(b.transactionCount)),
      h('td', { class: 'num' }, bytes(b.size))));
  }

  const blockHeadings = [['Height', 'num'], ['Hash'], ['Mined'], ['Txs', 'num'], ['Size', 'num']];

  function summary(c) {
    if (!c) return h('section', { id: 'chain-summary', class: 'cards' });
    const card = (label, value, id) => h('div', { class: 'card', id }, h('span', { class: 'label' }, label), h('span', { class: 'value' }, value));
    // The index trails the tip by a block now and then; say so only when it is really catching up.
    const indexing = c.height - c.indexedHeight > 1 ? ` (indexed to ${num(c.indexedHeight)})` : '';
    return h('section', { id: 'chain-summary', class: 'cards' },
      card('Height', [num(c.height), c.syncing ? badge('syncing', 'warn') : null], 'summary-height'),
      card('Tip', link('block', c.tipHash, short(c.tipHash, 8, 6), { class: 'hash' }), 'summary-tip'),
      card('Mempool', `${num(c.mempoolCount)} tx · ${bytes(c.mempoolBytes)}`, 'summary-mempool'),
      card('Mining', c.mining ? ['on ', h('span', { class: 'muted' }, hashRate(c.hashRate))] : 'off', 'summary-mining'),
      card('Difficulty', [c.nextBits, ' ', h('span', { class: 'muted', title: 'expected hashes per block' },
        `${hashCount(c.hashesPerBlock)} hashes`)], 'summary-difficulty'),
      card(`Last ${num(c.recentBlocks)} blocks`, c.meanSpacing === undefined ? '—'
        : [`${c.meanSpacing.toFixed(1)} s apart `, h('span', { class: 'muted', title: 'their work over their time span' },
          c.impliedHashRate === undefined ? '' : hashRate(c.impliedHashRate))], 'summary-spacing'),
      card('Peers', h('a', { href: '#/peers' }, num(c.peerCount)), 'summary-peers'),
      card('Up', duration(c.uptime) + indexing, 'summary-uptime'));
  }

  async function homeView() {
    const page = await api(`/api/blocks?limit=${PAGE}`);
    const top = page.blocks.length ? page.blocks[0].height : null;
    const freshAbove = homeMaxHeight;
    if (top !== null) homeMaxHeight = Math.max(homeMaxHeight ?? top, top);
    const tip = page.blocks.length ? page.blocks[0].hash : null;
    const content = [
      summary(chain),
      h('h2', {}, 'Latest blocks ', h('span', { class: 'live-dot', title: `Updates every ${POLL_MS / 1000} s` })),
      table('latest-blocks', blockHeadings, blockRows(page.blocks, freshAbove), 'No blocks yet.'),
      page.nextBefore ? h('p', { class: 'pager' }, h('a', { id: 'older-blocks', href: `#/blocks/${page.nextBefore}` }, 'Older blocks →')) : null,
    ];
    return {
      title: 'Latest blocks',
      content,
      onChain(c) {
        if (c.tipHash !== tip) return 'reload';
        const old = document.getElementById('chain-summary');
        if (old) old.replaceWith(summary(c));
        return null;
      },
    };
  }

  async function blocksView(before) {
    const page = await api(`/api/blocks?before=${enc(before)}&limit=${PAGE}`);
    const newer = Number(before) + PAGE;
    return {
      title: `Blocks below ${before}`,
      content: [
        h('h1', {}, `Blocks below height ${num(before)}`),
        table('blocks-page', blockHeadings, blockRows(page.blocks, null), 'No blocks here.'),
        h('p', { class: 'pager' },
          chain && newer > chain.height ? h('a', { href: '#/' }, '← Newest') : h('a', { href: `#/blocks/${newer}` }, '← Newer'),
          page.nextBefore ? h('a', { id: 'older-blocks', href: `#/blocks/${page.nextBefore}` }, 'Older →') : null),
      ],
    };
  }

  async function blockView(id) {
    const b = await api(`/api/blocks/${enc(id)}`);
    const status = b.active ? `${num(b.confirmations)} confirmation${b.confirmations === 1 ? '' : 's'}`
                            : badge('not on the active chain', 'warn');
    const rows = b.transactions.map((t, i) => h('tr', { 'data-txid': t.txid },
      h('td', { class: 'num' }, i),
      h('td', {}, hashLink('tx', t.txid, { class: 'hash tx-link' })),
      h('td', {}, t.coinbase ? badge('coinbase') : null),
      h('td', { class: 'num' }, bytes(t.size)),
      h('td', { class: 'num' }, amount(t.outputTotal))));
    return {
      title: `Block ${b.height}`,
      content: [
        h('h1', {}, `Block ${num(b.height)} `, b.active ? null : badge('stale', 'warn')),
        fullHash('block-hash', b.hash),
        h('p', { class: 'pager' },
          isZeroHash(b.previousHash) ? h('span', { class: 'muted' }, 'Genesis block')
            : link('block', b.previousHash, `← Block ${num(b.height - 1)}`, { id: 'block-prev' }),
          b.nextHash ? link('block', b.nextHash, `Block ${num(b.height + 1)} →`, { id: 'block-next' })
            : h('span', { class: 'muted' }, b.active ? 'Chain tip' : '')),
        fields('block-fields', [
          ['Height', num(b.height)],
          ['Status', status],
          ['Time', [utc(b.time), ' · ', age(b.time)]],
          ['Transactions', num(b.transactionCount)],
          ['Size', bytes(b.size)],
          ['Previous block', isZeroHash(b.previousHash) ? h('span', { class: 'hash' }, b.previousHash) : link('block', b.previousHash, b.previousHash, { class: 'hash' })],
          ['Next block', b.nextHash ? link('block', b.nextHash, b.nextHash, { class: 'hash' }) : '—'],
          ['Merkle root', h('span', { class: 'hash' }, b.merkleRoot)],
          ['Version', b.version],
          ['Bits', h('span', { class: 'hash' }, b.bits)],
          ['Nonce', num(b.nonce)],
        ]),
        h('h2', {}, `Transactions (${num(b.transactions.length)})`),
        table('block-transactions', [['#', 'num'], ['Txid'], [''], ['Size', 'num'], ['Output total (coins)', 'num']], rows, 'No transactions.'),
      ],
      // At the tip, a new block brings a next link and one more confirmation.
      onChain: (c, old) => (old && c.tipHash !== old.tipHash && (!b.nextHash || !b.active) ? 'reload' : null),
    };
  }

  async function txView(txid) {
    const t = await api(`/api/transactions/${enc(txid)}`);
    const inputRows = t.coinbase
      ? [h('tr', { class: 'coinbase' }, h('td', { class: 'num' }, 0), h('td', { colspan: 3 }, 'Coinbase: newly mined coins and fees'))]
      : t.inputs.map((input, i) => h('tr', {},
        h('td', { class: 'num' }, i),
        h('td', {}, input.address ? hashLink('address', input.address) : h('span', { class: 'muted' }, 'unknown')),
        h('td', { class: 'num' }, input.amount !== undefined ? amount(input.amount) : '—'),
        h('td', {}, link('tx', input.txid, `${short(input.txid)}:${input.index}`, { class: 'hash' }))));
    const outputRows = t.outputs.map((o) => h('tr', { 'data-index': o.index },
      h('td', { class: 'num' }, o.index),
      h('td', {}, hashLink('address', o.address)),
      h('td', { class: 'num' }, amount(o.amount)),
      h('td', {}, o.spentBy ? hashLink('tx', o.spentBy) : h('span', { class: 'muted' }, 'unspent'))));
    const status = t.inMempool
      ? badge('in mempool', 'warn')
      : [`${num(t.confirmations)} confirmation${t.confirmations === 1 ? '' : 's'}`];
    return {
      title: `Transaction ${short(t.txid)}`,
      content: [
        h('h1', {}, 'Transaction ', t.coinbase ? badge('coinbase') : null, t.inMempool ? badge('in mempool', 'warn') : null),
        fullHash('tx-id', t.txid),
        fields('tx-fields', [
          ['Status', h('span', { id: 'tx-status' }, status)],
          t.blockHash ? ['Block', [link('block', t.blockHash, `#${num(t.height)}`), ' ', hashLink('block', t.blockHash)]] : null,
          t.time !== undefined ? ['Time', [utc(t.time), ' · ', age(t.time)]] : null,
          ['Size', bytes(t.size)],
          ['Output total', amount(t.outputTotal, false, true)],
          ['Fee', t.fee !== undefined ? [amount(t.fee, false, true), h('span', { class: 'muted' }, ` (${num(Math.floor((t.fee * 1000) / t.size))} units/kB)`)] : 'none (coinbase)'],
          t.wtxid !== t.txid ? ['Wtxid', h('span', { class: 'hash' }, t.wtxid)] : null,
        ]),
        h('div', { class: 'columns' },
          h('section', {}, h('h2', {}, t.coinbase ? 'Inputs (coinbase)' : `Inputs (${num(t.inputs.length)})`),
            table('tx-inputs', [['#', 'num'], ['From'], ['Amount (coins)', 'num'], ['Spends']], inputRows, 'No inputs.')),
          h('section', {}, h('h2', {}, `Outputs (${num(t.outputs.length)})`),
            table('tx-outputs', [['#', 'num'], ['To'], ['Amount (coins)', 'num'], ['Spent by']], outputRows, 'No outputs.'))),
      ],
      // A mempool transaction gets mined; a confirmed one gains confirmations.
      onChain: (c, old) => (old && c.tipHash !== old.tipHash ? 'reload' : null),
    };
  }

  async function addressView(address, offset) {
    const a = await api(`/api/addresses/${enc(address)}?offset=${offset}&limit=${PAGE}`);
    const rows = a.history.map((e) => h('tr', { 'data-txid': e.txid },
      h('td', {}, hashLink('tx', e.txid)),
      h('td', { class: 'num' }, link('block', String(e.height), num(e.height))),
      h('td', { class: 'num' }, amount(e.change, true))));
    const base = `#/address/${enc(a.address)}`;
    const behind = chain && chain.height - a.indexedHeight > 1;
    return {
      title: `Address ${short(a.address)}`,
      content: [
        h('h1', {}, 'Address'),
        fullHash('address-id', a.address),
        fields('address-fields', [
          ['Balance', h('span', { id: 'address-balance' }, amount(a.balance, false, true))],
          ['Received', amount(a.received, false, true)],
          ['Sent', amount(a.sent, false, true)],
          ['Transactions', num(a.transactionCount)],
          ['Indexed to height', [num(a.indexedHeight), behind ? h('span', { class: 'muted' }, ' (catching up with the tip)') : null]],
        ]),
        h('h2', {}, 'History'),
        table('address-history', [['Txid'], ['Height', 'num'], ['Change (coins)', 'num']], rows, offset ? 'No more transactions.' : 'No confirmed transactions.'),
        h('p', { class: 'pager' },
          offset > 0 ? h('a', { id: 'history-newer', href: offset - PAGE > 0 ? `${base}?offset=${offset - PAGE}` : base }, '← Newer') : null,
          offset + a.history.length < a.transactionCount ? h('a', { id: 'history-older', href: `${base}?offset=${offset + PAGE}` }, 'Older →') : null,
          a.transactionCount ? h('span', { class: 'muted' }, `${num(Math.min(offset + 1, a.transactionCount))}–${num(offset + a.history.length)} of ${num(a.transactionCount)}`) : null),
      ],
      onChain: (c, old) => (old && c.tipHash !== old.tipHash ? 'reload' : null),
    };
  }

  async function mempoolView() {
    const m = await api('/api/mempool');
    const rows = m.transactions.map((t) => h('tr', { 'data-txid': t.txid },
      h('td', {}, hashLink('tx', t.txid)),
      h('td', { class: 'num' }, bytes(t.size)),
      h('td', { class: 'num' }, amount(t.fee)),
      h('td', { class: 'num' }, num(t.feeRate))));
    return {
      title: 'Mempool',
      content: [
        h('h1', {}, 'Mempool'),
        h('p', { id: 'mempool-summary' }, `${num(m.count)} transaction${m.count === 1 ? '' : 's'} waiting, ${bytes(m.bytes)}`,
          m.count > m.transactions.length ? ` (the ${m.transactions.length} with the highest fee rate shown)` : ''),
        table('mempool-transactions', [['Txid'], ['Size', 'num'], ['Fee (coins)', 'num'], ['Fee rate (units/kB)', 'num']], rows, 'The mempool is empty.'),
      ],
      onChain: (c, old) => (old && (c.tipHash !== old.tipHash || c.mempoolCount !== old.mempoolCount) ? 'reload' : null),
    };
  }

  async function peersView() {
    const list = await api('/api/peers');
    const message = h('p', { id: 'peer-message', role: 'status' });
    const say = (text, isError) => {
      peerNotice = { text, isError };
      message.textContent = text;
      message.className = isError ? 'error' : 'notice';
    };
    if (peerNotice) say(peerNotice.text, peerNotice.isError);
    const refresh = () => { if (current && current.page === 'peers') render(true); };

    async function disconnect(address, button) {
      button.disabled = true;
      try {
        const result = await api(`/api/peers/${enc(address).replace(/%3A/gi, ':')}`, { method: 'DELETE' });
        say(`Disconnected ${result.disconnected} connection${result.disconnected === 1 ? '' : 's'} to ${result.address}.`);
        setTimeout(() => refresh(), 500);
      } catch (error) {
        say(`Could not disconnect ${address}: ${error.message}`, true);
        button.disabled = false;
      }
    }

    const rows = list.peers.map((p) => h('tr', { 'data-address': p.address },
      h('td', { class: 'mono' }, p.address),
      h('td', {}, p.inbound ? 'inbound' : 'outbound'),
      h('td', { class: 'agent' }, p.userAgent),
      h('td', { class: 'num' }, num(p.startHeight)),
      h('td', { class: 'num' }, num(p.banScore)),
      h('td', {}, h('button', { type: 'button', class: 'peer-disconnect', 'data-address': p.address, onclick: (e) => disconnect(p.address, e.currentTarget) }, 'Disconnect'))));

    const input = h('input', { id: 'peer-address', name: 'address', placeholder: 'host:port', required: true, spellcheck: 'false', autocomplete: 'off' });
    const form = h('form', { id: 'peer-add', class: 'inline' }, input, h('button', { type: 'submit' }, 'Connect'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const address = input.value.trim();
      if (!address) return;
      try {
        const result = await api('/api/peers', { method: 'POST', body: JSON.stringify({ address }) });
        say(`Connecting to ${result.address}…`);
        input.value = '';
        setTimeout(() => refresh(), 1500);
      } catch (error) {
        say(`Could not add ${address}: ${error.message}`, true);
      }
    });
    return {
      title: 'Peers',
      content: [
        h('h1', {}, `Peers (${num(list.peers.length)})`),
        table('peers-list', [['Address'], ['Direction'], ['User agent'], ['Start height', 'num'], ['Ban score', 'num'], ['']], rows, 'No peers connected.'),
        h('h2', {}, 'Connect to a peer'),
        form,
        message,
      ],
      onChain: (c, old) => (old && c.peerCount !== old.peerCount && !input.value ? 'reload' : null),
    };
  }

  function notFoundView() {
    return { title: 'Not found', content: [h('h1', {}, 'Nothing here'), h('p', {}, 'This page does not exist. ', h('a', { href: '#/' }, 'Latest blocks'))] };
  }

  // ---- routing ----------------------------------------------------------------------------------

  function parseRoute() {
    const raw = location.hash.replace(/^#\/?/, '');
    const [path, query = ''] = raw.split('?');
    let parts;
    try { parts = path.split('/').filter(Boolean).map(decodeURIComponent); } catch (_) { parts = ['?']; }
    const params = new URLSearchParams(query);
    const [kind, id] = parts;
    if (parts.length === 0) return { page: 'home', load: homeView };
    if (parts.length === 2 && kind === 'blocks' && /^\d+$/.test(id)) return { page: 'blocks', load: () => blocksView(id) };
    if (parts.length === 2 && kind === 'block') return { page: 'block', load: () => blockView(id) };
    if (parts.length === 2 && kind === 'tx') return { page: 'tx', load: () => txView(id) };
    if (parts.length === 2 && kind === 'address') {
      const offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);
      return { page: 'address', load: () => addressView(id, offset) };
    }
    if (parts.length === 1 && kind === 'mempool') return { page: 'mempool', load: mempoolView };
    if (parts.length === 1 && kind === 'peers') return { page: 'peers', load: peersView };
    return { page: 'notfound', load: async () => notFoundView() };
  }

  const whatFailed = { home: 'Could not load the latest blocks', blocks: 'Could not load blocks', block: 'Could not load this block',
    tx: 'Could not load this transaction', address: 'Could not load this address', mempool: 'Could not load the mempool',
    peers: 'Could not load the peers' };

  // quiet: keep the current content until the new one is ready (a live refresh, not a navigation).
  async function render(quiet = false) {
    const token = ++renderToken;
    const route = parseRoute();
    if (!quiet) {
      current = null;
      view.dataset.page = route.page;
      view.dataset.state = 'loading';
      view.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
      for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.nav === route.page);
      if (route.page !== 'home') homeMaxHeight = null;
      peerNotice = null;
    }
    try {
      const result = await route.load();
      if (token !== renderToken) return;
      current = { page: route.page, onChain: result.onChain };
      document.title = `${result.title} · Tally explorer`;
      view.replaceChildren(...result.content.flat().filter(Boolean));
      view.dataset.state = 'ready';
    } catch (error) {
      if (token !== renderToken) return;
      if (quiet && current) return; // keep what is on screen; the footer shows the node's state
      // Try again when the node comes back or its chain moves on (a transaction may just have arrived).
      current = { page: route.page, onChain: (c, old) => (!old || c.tipHash !== old.tipHash ? 'reload' : null) };
      document.title = 'Error · Tally explorer';
      view.replaceChildren(errorBox(whatFailed[route.page] || 'Could not load this page', error));
      view.dataset.state = 'error';
    }
  }

  // ---- live updates -----------------------------------------------------------------------------

  function setLive(text, ok) {
    liveStatus.textContent = text;
    liveStatus.className = ok ? 'live ok' : 'live down';
  }

  async function poll() {
    try {
      const next = await api('/api/chain');
      const old = chain;
      chain = next;
      document.getElementById('network').textContent = next.network;
      setLive(`live · height ${num(next.height)} · ${next.peerCount} peer${next.peerCount === 1 ? '' : 's'} · updated ${new Date().toLocaleTimeString('en-GB')}`, true);
      for (const t of document.querySelectorAll('time[data-time]')) t.textContent = ago(Number(t.dataset.time));
      if (current && current.onChain && view.dataset.state !== 'loading') {
        if (current.onChain(next, old) === 'reload') await render(true);
      }
    } catch (error) {
      setLive(`node unreachable: ${error.message} — retrying every ${POLL_MS / 1000} s`, false);
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  // ---- search -----------------------------------------------------------------------------------

  function showSearchError(text) {
    searchError.textContent = text;
    searchError.hidden = !text;
  }

  searchForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const q = searchInput.value.trim();
    if (!q) return;
    showSearchError('');
    searchForm.classList.add('busy');
    try {
      const found = await api(`/api/search?q=${enc(q)}`);
      const target = { block: 'block', transaction: 'tx', address: 'address' }[found.kind];
      if (!target) throw new ApiError(0, `unexpected answer kind "${found.kind}"`);
      const hash = `#/${target}/${enc(found.id)}`;
      if (location.hash === hash) render(); else location.hash = hash;
    } catch (error) {
      showSearchError(`Nothing found for “${q}”: ${error.message}`);
    } finally {
      searchForm.classList.remove('busy');
    }
  });

  window.addEventListener('hashchange', () => { showSearchError(''); render(); window.scrollTo(0, 0); });

  // The home page needs the chain summary: ask for it first, then draw, then keep polling.
  (async () => {
    try { chain = await api('/api/chain'); document.getElementById('network').textContent = chain.network; } catch (_) { /* poll() reports it */ }
    await render();
    poll();
  })();
})();
