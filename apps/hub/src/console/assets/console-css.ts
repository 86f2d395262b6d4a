// The console's stylesheet, served as /console/assets/console.css. System fonts only (offline).
// Colours keep a contrast of at least 4.5:1 on their backgrounds (WCAG AA).
export const CONSOLE_CSS = `
:root {
  --fg: #1d2330; --muted: #4f5868; --bg: #f6f7f9; --card: #ffffff; --line: #d9dde3;
  --accent: #1d5fbf; --accent-fg: #ffffff; --ok: #17663a; --ok-bg: #e5f4ea; --warn: #8a4b00;
  --warn-bg: #fdf1dc; --bad: #a3202a; --bad-bg: #fbe6e7; --info-bg: #e7effa;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: var(--bg); line-height: 1.45; font-size: 15px;
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
header.top { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.25rem; background: #17202e; color: #fff; }
header.top a, header.top .link { color: #fff; }
header.top .brand { font-weight: 700; text-decoration: none; font-size: 1.05rem; }
header.top .who { margin-left: auto; display: flex; align-items: center; gap: .75rem; }
header.top .role { font-size: .8rem; background: #33415a; padding: .1rem .45rem; border-radius: 3px; }
header.top form { margin: 0; }
header.top .switcher { display: flex; gap: .4rem; align-items: center; }
header.top .switcher label { font-size: .85rem; }
.frame { display: flex; min-height: calc(100vh - 3rem); }
nav { width: 12rem; flex: none; background: var(--card); border-right: 1px solid var(--line); padding: 1rem 0; }
nav ul { list-style: none; margin: 0; padding: 0; }
nav a { display: block; padding: .45rem 1.25rem; text-decoration: none; color: var(--fg); }
nav a[aria-current="page"] { background: var(--info-bg); color: var(--accent); font-weight: 600; border-left: 3px solid var(--accent); }
main { flex: 1; padding: 1.25rem 2rem 3rem; max-width: 72rem; }
main.narrow, .narrow { max-width: 28rem; }
h1 { font-size: 1.45rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.75rem 0 .6rem; }
p.muted, .muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; background: var(--card); border: 1px solid var(--line); }
th, td { text-align: left; padding: .5rem .65rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .82rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); background: #eef0f3; }
td code, p code { font-size: .85rem; word-break: break-all; }
.badge { display: inline-block; white-space: nowrap; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.idle { background: #eceef1; color: var(--muted); }
.hint { color: var(--muted); font-size: .85rem; margin: .2rem 0 0; }
.error-text { color: var(--bad); font-size: .88rem; margin: .25rem 0 0; font-weight: 600; }
.problem { border-left: 3px solid var(--bad); background: var(--bad-bg); border-radius: 4px; padding: .45rem .7rem; margin: 0 0 .5rem; font-size: .9rem; min-width: 16rem; }
#health { margin-bottom: 1.25rem; }
td .badge { white-space: nowrap; }
.problem p { margin: .15rem 0; }
.problem .hint { color: #4a2226; }
.problem code { font-size: .8rem; font-weight: 700; color: var(--bad); }
.notice { padding: .6rem .9rem; border-radius: 4px; margin: 0 0 1rem; }
.notice.ok { background: var(--ok-bg); color: var(--ok); }
.notice.error { background: var(--bad-bg); color: var(--bad); }
.notice.info { background: var(--info-bg); color: #173f7a; }
form.card, section.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 1rem 1.25rem; margin: 0 0 1rem; }
.field { margin: 0 0 1rem; }
.field label { display: block; font-weight: 600; margin-bottom: .25rem; }
.field .req { color: var(--muted); font-weight: 400; font-size: .85rem; }
input[type=text], input[type=password], input[type=email], input[type=url], input[type=number], input[type=tel], input[type=datetime-local], input:not([type]), select, textarea {
  width: 100%; max-width: 32rem; padding: .45rem .55rem; border: 1px solid #8a93a3; border-radius: 4px; font: inherit; background: #fff; color: var(--fg);
}
.field.invalid input, .field.invalid select, .field.invalid textarea { border-color: var(--bad); outline: 1px solid var(--bad); }
.check label { display: inline; font-weight: 600; margin-left: .35rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin: 0 0 1rem; }
legend { font-weight: 700; padding: 0 .3rem; }
button, .button { font: inherit; padding: .42rem .95rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-fg); cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
button.link { background: none; border: none; padding: 0; text-decoration: underline; color: var(--accent); }
form.inline { display: inline; margin: 0; }
form.inline select { width: auto; }
td .actions { flex-wrap: nowrap; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
.copy-row { display: flex; gap: .5rem; align-items: center; max-width: 48rem; }
.copy-row input { max-width: none; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; }
.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; }
.filters .field { margin: 0; }
.filters input, .filters select { width: 12rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.pager { margin-top: .75rem; }
.sign-in { max-width: 26rem; margin: 4rem auto; }
main.public-page { max-width: 36rem; margin: 2rem auto; }
.sign-in main { padding: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
ol.steps li { margin-bottom: .3rem; }
section.card h2, form.card h3 { margin-top: 0; }
form.card h3 { font-size: 1rem; margin-bottom: .75rem; }
td.nowrap, td .nowrap { white-space: nowrap; }
td .actions select { width: auto; }
td .actions button { white-space: nowrap; }
.filters input[type=datetime-local] { width: 15.5rem; }
.chart-box { position: relative; height: 18rem; margin: .75rem 0 1rem; }
.chart-box canvas { max-width: 100%; }
.chart-box.small { height: 9.5rem; margin: .25rem 0 .5rem; }
section.card.traffic { margin-top: 1.25rem; max-width: 48rem; }
.traffic-head { display: flex; align-items: baseline; justify-content: space-between; gap: 1rem; }
.traffic-head h2 { margin: 0; }
.inline-fields { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; }
.inline-fields .field { margin: 0; }
section.card.connect { margin-top: 1.5rem; }
section.card.connect > p.hint { margin-bottom: .85rem; }
.inline-fields input, .inline-fields select { width: 14rem; }
`;
