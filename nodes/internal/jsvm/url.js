// URL and URLSearchParams as WHATWG defines them (Node's), over parse, a
// Go function returning a URL's parts or throwing TypeError: Invalid URL.
(function (parse) {
  'use strict';
  const state = new WeakMap();
  // application/x-www-form-urlencoded: keep *-._ and alphanumerics
  const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  const dec = (s) => { s = s.replace(/\+/g, ' '); try { return decodeURIComponent(s); } catch (e) { return unescape(s); } };
  const parseQuery = (q) => {
    if (q.startsWith('?')) q = q.slice(1);
    const list = [];
    for (const part of q.split('&')) {
      if (!part) continue;
      const i = part.indexOf('=');
      list.push(i < 0 ? [dec(part), ''] : [dec(part.slice(0, i)), dec(part.slice(i + 1))]);
    }
    return list;
  };
  class URLSearchParams {
    constructor(init = '') {
      let list = [];
      if (init instanceof URLSearchParams) list = state.get(init).list.map((p) => p.slice());
      else if (init !== null && typeof init === 'object' && typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          const p = [...pair];
          if (p.length !== 2) throw new TypeError('Each query pair must be an iterable [name, value] tuple');
          list.push([String(p[0]), String(p[1])]);
        }
      } else if (init !== null && typeof init === 'object') {
        for (const k of Object.keys(init)) list.push([k, String(init[k])]);
      } else list = parseQuery(String(init));
      state.set(this, { list, url: null });
    }
    get size() { return state.get(this).list.length; }
    append(name, value) { const s = state.get(this); s.list.push([String(name), String(value)]); update(s); }
    delete(name, value) {
      const s = state.get(this);
      name = String(name);
      s.list = s.list.filter((p) => !(p[0] === name && (value === undefined || p[1] === String(value))));
      update(s);
    }
    get(name) { const p = state.get(this).list.find((x) => x[0] === String(name)); return p ? p[1] : null; }
    getAll(name) { return state.get(this).list.filter((x) => x[0] === String(name)).map((x) => x[1]); }
    has(name, value) { return state.get(this).list.some((x) => x[0] === String(name) && (value === undefined || x[1] === String(value))); }
    set(name, value) {
      const s = state.get(this);
      name = String(name);
      const i = s.list.findIndex((x) => x[0] === name);
      if (i < 0) s.list.push([name, String(value)]);
      else { s.list[i][1] = String(value); s.list = s.list.filter((x, j) => j <= i || x[0] !== name); }
      update(s);
    }
    sort() {
      const s = state.get(this);
      s.list = s.list.map((p, i) => [p, i]).sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1])).map((x) => x[0]);
      update(s);
    }
    forEach(fn, thisArg) { for (const [k, v] of state.get(this).list) fn.call(thisArg, v, k, this); }
    *keys() { for (const p of state.get(this).list) yield p[0]; }
    *values() { for (const p of state.get(this).list) yield p[1]; }
    *entries() { for (const p of state.get(this).list) yield [p[0], p[1]]; }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return state.get(this).list.map((p) => enc(p[0]) + '=' + enc(p[1])).join('&'); }
    get [Symbol.toStringTag]() { return 'URLSearchParams'; }
  }
  // update writes a URL's query after its searchParams changed
  function update(s) {
    if (!s.url) return;
    const q = s.url.self.searchParams.toString();
    s.url.parts.search = q ? '?' + q : '';
  }
  const href = (p) => {
    let auth = '';
    if (p.username || p.password) auth = p.username + (p.password ? ':' + p.password : '') + '@';
    const host = p.hostname + (p.port ? ':' + p.port : '');
    const slashes = p.special || host || p.protocol === 'file:' ? '//' : '';
    return p.protocol + slashes + auth + host + p.pathname + p.search + p.hash;
  };
  class URL {
    constructor(input, base) {
      const parts = base === undefined ? parse(String(input)) : parse(String(input), String(base));
      const params = new URLSearchParams(parts.search);
      const st = { parts, self: this };
      state.get(params).url = st;
      state.set(this, { parts, params, st });
    }
    static canParse(input, base) { try { new URL(input, base); return true; } catch (e) { return false; } }
    get href() { return href(state.get(this).parts); }
    set href(v) { const s = state.get(this); Object.assign(s.parts, parse(String(v))); this.search = s.parts.search; }
    get origin() {
      const p = state.get(this).parts;
      return p.special && p.protocol !== 'file:' ? p.protocol + '//' + this.host : 'null';
    }
    get protocol() { return state.get(this).parts.protocol; }
    set protocol(v) { this.#reparse({ protocol: String(v).replace(/:?$/, ':') }); }
    get username() { return state.get(this).parts.username; }
    set username(v) { this.#reparse({ username: encodeURIComponent(String(v)) }); }
    get password() { return state.get(this).parts.password; }
    set password(v) { this.#reparse({ password: encodeURIComponent(String(v)) }); }
    get host() { const p = state.get(this).parts; return p.hostname + (p.port ? ':' + p.port : ''); }
    set host(v) { const [h, port] = String(v).split(':'); this.#reparse({ hostname: h, port: port === undefined ? state.get(this).parts.port : port }); }
    get hostname() { return state.get(this).parts.hostname; }
    set hostname(v) { this.#reparse({ hostname: String(v) }); }
    get port() { return state.get(this).parts.port; }
    set port(v) { this.#reparse({ port: String(v) }); }
    get pathname() { return state.get(this).parts.pathname; }
    set pathname(v) { v = String(v); this.#reparse({ pathname: v.startsWith('/') ? v : '/' + v }); }
    get search() { const p = state.get(this).parts; return p.search.length > 1 ? p.search : ''; }
    set search(v) {
      const s = state.get(this);
      v = String(v);
      s.parts.search = v === '' || v === '?' ? '' : (v.startsWith('?') ? v : '?' + v).replace(/[ "#<>]/g, encodeURIComponent);
      state.get(s.params).list = parseQuery(s.parts.search);
    }
    get searchParams() { return state.get(this).params; }
    get hash() { const h = state.get(this).parts.hash; return h.length > 1 ? h : ''; }
    set hash(v) { v = String(v); state.get(this).parts.hash = v === '' ? '' : v.startsWith('#') ? v : '#' + v; }
    #reparse(change) {
      const s = state.get(this);
      const np = parse(href({ ...s.parts, ...change }));
      Object.assign(s.parts, np);
    }
    toString() { return this.href; }
    toJSON() { return this.href; }
    get [Symbol.toStringTag]() { return 'URL'; }
  }
  return { URL, URLSearchParams };
})
