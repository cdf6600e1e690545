// harness.mjs -- what the console's browser tests share: the real taawund
// started with a temporary config (ports chosen by the kernel, learnt from
// its log), users made with `taawund user create`, Debian's headless Chromium
// driven by playwright-core in another time zone than the programme's, and
// a small runner that prints one line per test and closes with
// "e2e: N passed, N failed, N skipped" (contrib/run-tests.sh sums them).
// Screenshots go to $E2E_OUT (the test run's output folder; default
// tests/e2e/out/), named after the test file's prefix.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const TAAWUND = path.resolve(process.argv[2] || process.env.TAAWUND || path.join(ROOT, 'build', 'taawund'));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const OUT = path.resolve(process.env.E2E_OUT || path.join(HERE, 'out'));
const START_TIMEOUT_MS = 10000;
export const STEP_TIMEOUT_MS = 10000;
export const BROWSER_TZ = 'America/New_York';

/* opts.channels: more entries of the channel list, after the sandbox (which
 * stays sms.outbound_channel); opts.channel: settings of the sandbox channel
 * itself; opts.config: settings appended. */
export function writeConfig(dir, opts = {}) {
  const q = (s) => JSON.stringify(s);
  const text = `# e2e test config (tests/e2e/harness.mjs)
programme: {
  name = "Taawun";
  default_language = "ar";
  languages = ["ar", "fr", "en"];
  timezone = "Africa/Casablanca";
  country_code = "212";
  messages_dir = ${q(path.join(ROOT, 'conf', 'messages'))};
  provinces = ["oujda-angad", "berkane", "nador", "driouch", "taourirt", "jerada", "guercif", "figuig"];
  sectors = ["agriculture", "livestock", "agrifood", "handicraft", "textile", "tourism", "services", "other"];
  demo_data = ${q(path.join(ROOT, 'contrib', 'demo', 'demo.sql'))};
};
database: { path = ${q(path.join(dir, 'taawun.db'))}; };
http: {
  public: { address = "127.0.0.1"; port = 0; };
  admin: { address = "127.0.0.1"; port = 0; };
};
log: { level = "info"; };
channels = ( { name = "sandbox"; type = "sandbox"; ussd_code = "*384*123#"; ${opts.channel || ''} }${opts.channels ? ', ' + opts.channels : ''} );
${opts.channels ? 'sms: { outbound_channel = "sandbox"; };' : ''}
${opts.config || ''}
`;
  const file = path.join(dir, 'taawun.conf');
  fs.writeFileSync(file, text);
  return file;
}

export function createUser(conf, user, role) {
  const r = spawnSync(TAAWUND, ['user', 'create', user.name, '--role', role, '-c', conf],
    { input: user.password + '\n' + user.password + '\n', encoding: 'utf8', timeout: 20000 });
  if (r.status !== 0) throw new Error(`user create ${user.name}: ${r.status} ${r.stderr}`);
}

export function startDaemon(conf) {
  const proc = spawn(TAAWUND, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines = [];
  const ports = {};
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('taawund did not listen:\n' + lines.join('\n'))), START_TIMEOUT_MS);
    let buf = '';
    proc.stderr.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        const m = /event=listening\b.*\blistener=(\w+)\b.*\bport=(\d+)/.exec(line);
        if (m) ports[m[1]] = Number(m[2]);
        if (ports.public && ports.admin && !proc.ready) {
          proc.ready = true;
          clearTimeout(timer);
          resolve({ proc, lines, ports });
        }
      }
    });
    proc.on('exit', (code) => { clearTimeout(timer); if (!proc.ready) reject(new Error(`taawund exited ${code}:\n` + lines.join('\n'))); });
  });
}

export function sql(db, statement) {
  // The daemon writes the same file: wait for its lock rather than fail.
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 8000', db, statement], { encoding: 'utf8', timeout: 10000 });
  if (r.status !== 0) throw new Error('sqlite3: ' + r.stderr);
  return r.stdout.trim();
}

export function assert(cond, msg) { if (!cond) throw new Error(msg); }
export class Skip extends Error {}

/* A browser session against a fresh daemon: users are {name, password,
 * role}. Returns helpers bound to one page; run(body) runs body(s) and
 * always closes the browser and the daemon, then prints the summary and
 * exits. opts as writeConfig's. */
export async function run(prefix, users, body, opts = {}) {
  const results = [];
  let d = null, browser = null, dir = null;
  try {
    fs.mkdirSync(OUT, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taawun-e2e-'));
    const conf = writeConfig(dir, opts);
    for (const u of users) createUser(conf, u, u.role);
    d = await startDaemon(conf);
    const base = `http://127.0.0.1:${d.ports.admin}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true, env: Object.assign({}, process.env, { TZ: BROWSER_TZ }),
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: BROWSER_TZ });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    const dialogs = [];
    page.on('dialog', async (dlg) => { dialogs.push({ type: dlg.type(), message: dlg.message() }); if (dlg.type() === 'confirm') await dlg.accept(); else await dlg.dismiss(); });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const cspViolations = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
    const s = {
      page, context, base, dir, conf, db: path.join(dir, 'taawun.db'), dialogs, pageErrors, cspViolations, lines: d.lines,
      shot: (name) => page.screenshot({ path: path.join(OUT, prefix + '-' + name + '.png'), fullPage: true }),
      // A page load each time: a selector never matches the page before.
      go: async (hash, waitFor) => {
        await page.goto('about:blank');
        await page.goto(base + '/console/' + hash);
        if (waitFor) await page.waitForSelector(waitFor);
      },
      api: (method, p, b, csrf = true) => page.evaluate(async ([method, p, b, csrf]) => {
        const ses = await (await fetch('/console/session')).json().catch(() => ({}));
        const headers = {};
        if (csrf && ses.csrf) headers['X-CSRF-Token'] = ses.csrf;
        if (b !== null && b !== undefined) headers['Content-Type'] = 'application/json';
        const r = await fetch('/api/v1' + p, { method, headers, body: b === null || b === undefined ? undefined : JSON.stringify(b) });
        return { status: r.status, body: await r.json().catch(() => null) };
      }, [method, p, b, csrf]),
      // The file behind a link, fetched as the signed-in browser would.
      linkText: async (selector) => page.evaluate(async (u) => (await fetch(u)).text(), await page.getAttribute(selector, 'href')),
      signIn: async (user) => {
        await page.goto(base + '/console/');
        await page.waitForSelector('#login-name');
        await page.fill('#login-name', user.name);
        await page.fill('#login-password', user.password);
        await page.click('#login-submit');
      },
      // Signed in and on the dashboard, its figures drawn.
      signInHome: async (user) => { await s.signIn(user); await page.waitForSelector('#members-total'); },
      signOut: async () => { await page.click('#signout'); await page.waitForSelector('#login-name'); },
      lang: async (l) => {
        await page.click('#lang-' + l);
        await page.waitForFunction((x) => document.documentElement.lang === x, l);
      },
      test: async (name, fn) => {
        const t0 = Date.now();
        try {
          await fn();
          results.push({ name, ok: true });
          console.log(`ok      ${name} (${Date.now() - t0} ms)`);
        } catch (e) {
          if (e instanceof Skip) { results.push({ name, skip: true }); console.log(`skip    ${name}: ${e.message}`); return; }
          results.push({ name, ok: false });
          console.log(`FAIL    ${name}: ${e.stack || e}`);
          await page.screenshot({ path: path.join(OUT, 'FAIL-' + prefix + '-' + name.replace(/\W+/g, '-') + '.png'), fullPage: true }).catch(() => {});
        }
      },
    };
    await body(s);
    await s.test('no script errors and no CSP violations', async () => {
      assert(pageErrors.length === 0, 'page errors: ' + pageErrors.join('\n'));
      assert(cspViolations.length === 0, 'CSP: ' + cspViolations.join('\n'));
    });
  } catch (e) {
    console.log('FAIL    harness: ' + (e.stack || e));
    results.push({ name: 'harness', ok: false });
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (d) {
      d.proc.kill('SIGTERM');
      await new Promise((r) => d.proc.once('exit', r));
      const leaked = d.lines.filter((l) => /(?<!\d)(?:\+?212|0)[67]\d{8}(?!\d)/.test(l));
      results.push({ name: 'no unmasked phone numbers in the log', ok: leaked.length === 0 });
      console.log(leaked.length ? 'FAIL    unmasked phone numbers in the log:\n' + leaked.join('\n') : 'ok      no unmasked phone numbers in the log');
      const pw = d.lines.filter((l) => users.some((u) => l.includes(u.password)));
      results.push({ name: 'passwords never logged', ok: pw.length === 0 });
      if (pw.length) console.log('FAIL    a password appears in the log');
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  const p = results.filter((r) => r.ok).length, f = results.filter((r) => r.ok === false).length, sk = results.filter((r) => r.skip).length;
  console.log(`screenshots: ${OUT}`);
  console.log(`e2e: ${p} passed, ${f} failed, ${sk} skipped`);
  process.exit(f ? 1 : 0);
}
