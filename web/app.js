// Liveblog reference reader page: renders /v1/blogs/<slug>/latest.json and keeps it current.
//
// It reads only the public snapshot documents (see schemas/*.schema.json): latest.json, polled
// with conditional requests, and the immutable older pages, fetched when the reader asks for
// them. No libraries, no build step; copy it and restyle it.

const POLL_MS = 10_000; // how often latest.json is asked for while the tab is visible
const MAX_POLL_MS = 60_000; // the back-off ceiling after errors
const CLOCK_MS = 30_000; // how often "2 minutes ago" is rewritten
const TOP_PX = 200; // a reader scrolled less than this is "at the top" and sees new entries at once
const LATEST_SIZE = 20; // latest.json carries the newest 20 published entries
const MAX_JUMP_PAGES = 10; // older pages loaded to reach a key event before opening its own document
const WIDE = window.matchMedia("(min-width: 960px)");

// Every word the page shows, in one place for translation.
const TEXT = {
  status: { live: "Live", ended: "Ended", archived: "Archived" },
  ended: "This live blog has ended.",
  noBlog: "No live blog yet. Check back soon.",
  notFound: "This live blog is not available yet. This page will show it as soon as it is published.",
  failed: "The live blog could not be loaded. Retrying…",
  newUpdates: (n) => `${n} new update${n === 1 ? "" : "s"}`,
  updated: (time) => `Updated ${time}`,
  keyEvent: "Key event",
  loadOlder: "Load older updates",
  loading: "Loading…",
  retryOlder: "Could not load older updates. Try again",
  loadVideo: (provider) => `Load video from ${provider}`,
  viewOn: (provider) => `View on ${provider}`,
  times: (zone) => `Times are shown in ${zone} time.`,
};
const PROVIDERS = { youtube: "YouTube", vimeo: "Vimeo", x: "X", bluesky: "Bluesky", instagram: "Instagram", tiktok: "TikTok" };

const $ = (selector) => document.querySelector(selector);

// The reader's view of the blog. `order` is publication order (newest first) as the documents
// give it: entries carry no publication number, so their relative position is all we know.
const state = {
  slug: null,
  latestUrl: null,
  etag: null,
  version: 0,
  doc: null, // the latest.json shown
  order: [], // entry ids, newest first
  entries: new Map(), // id -> entry
  pageOf: new Map(), // id -> number of the older page it was read from
  pages: new Map(), // page number -> url of the copy loaded
  pending: new Set(), // new entry ids held behind the "new updates" bar
  stopped: false, // the blog ended: no more polling
};
const stats = { requests: 0, notModified: 0, bytes: 0 };

// --- Fetching --------------------------------------------------------------------------------

// GET a JSON document. With an ETag, a 304 comes back as {notModified: true}: latest.json is
// asked for with `no-store` so the browser neither serves a stale copy nor adds its own
// validators, and the If-None-Match we send makes an unchanged answer a bodiless 304.
async function getJson(url, { etag = null, cache = "default" } = {}) {
  stats.requests += 1;
  const response = await fetch(url, { cache, headers: etag ? { "If-None-Match": etag } : {} });
  if (response.status === 304) {
    stats.notModified += 1;
    return { notModified: true };
  }
  if (!response.ok) throw Object.assign(new Error(`${url}: HTTP ${response.status}`), { status: response.status });
  const text = await response.text();
  stats.bytes += Number(response.headers.get("Content-Length")) || text.length;
  return { body: JSON.parse(text), etag: response.headers.get("ETag") };
}

// ?blog=<slug>, else the first live blog in the index, else its first blog, else none.
async function chooseBlog() {
  const slug = new URLSearchParams(location.search).get("blog");
  if (slug) return { slug, url: `/v1/blogs/${encodeURIComponent(slug)}/latest.json` };
  let blogs = [];
  try {
    blogs = (await getJson("/v1/index.json", { cache: "no-store" })).body.blogs;
  } catch (error) {
    if (error.status !== 404) throw error; // 404: nothing published yet
  }
  const blog = blogs.find((b) => b.status === "live") || blogs[0];
  return blog ? { slug: blog.slug, url: blog.latest_url } : null;
}

// --- Merging documents into the stream -------------------------------------------------------

function forget(id) {
  const index = state.order.indexOf(id);
  if (index >= 0) state.order.splice(index, 1);
  state.entries.delete(id);
  state.pageOf.delete(id);
  state.pending.delete(id);
}

// Reconcile a run of entries (newest first) that is complete for its stretch of publication
// order: entries we hold inside that stretch but missing from the run were taken down. The
// stretch is bounded by the run's own entries that we already know, or reaches the very top
// (`fromTop`) for latest.json, which always holds the newest ones. For a page we also know
// exactly which entries came from it (`page`).
function applyRun(run, { fromTop = false, page = null } = {}) {
  const ids = new Set(run.map((entry) => entry.id));
  const known = [];
  state.order.forEach((id, i) => ids.has(id) && known.push(i));
  const low = fromTop ? 0 : known[0];
  const high = known[known.length - 1];
  state.order
    .filter((id, i) => !ids.has(id) && ((i >= low && i <= high) || (page !== null && state.pageOf.get(id) === page)))
    .forEach(forget);

  // New ids take their place next to their known neighbours in the run; a run with no known
  // entry is older than everything shown (pages are loaded newest first).
  const first = run.findIndex((entry) => state.entries.has(entry.id));
  let at = first < 0 ? state.order.length : state.order.indexOf(run[first].id);
  for (const entry of run) {
    const index = state.order.indexOf(entry.id);
    if (index >= 0) at = index + 1;
    else state.order.splice(at++, 0, entry.id);
    state.entries.set(entry.id, entry);
    if (page !== null) state.pageOf.set(entry.id, page);
  }
}

// Deleted or scrolled off? latest.json holds the newest 20 entries, so an entry we show that is
// missing from it has either been deleted or been pushed down into an older page by newer ones.
// It was deleted when it sits above (is newer than) an entry latest.json still has; one below
// all of them merely scrolled off and stays. When latest.json has fewer than 20 entries it holds
// every published entry, so anything else was deleted.
function applyLatest(doc) {
  const fresh = doc.entries.filter((entry) => !state.entries.has(entry.id)).map((entry) => entry.id);
  let restart = !state.doc;
  if (doc.entries.length < LATEST_SIZE) {
    const ids = new Set(doc.entries.map((entry) => entry.id));
    state.order.filter((id) => !ids.has(id)).forEach(forget);
  } else if (fresh.length === doc.entries.length && state.order.length) {
    // 20 or more entries arrived since the last look (a tab hidden for long): between them and
    // what we show may be entries we never saw. Start again from latest.json rather than show
    // a stream with a hole in it; "Load older" brings the rest back.
    [...state.order].forEach(forget);
    state.pages.clear();
    restart = true;
  }
  applyRun(doc.entries, { fromTop: true });
  if (!restart) fresh.forEach((id) => state.pending.add(id));
  if (atTop()) {
    if (state.pending.size) announce(TEXT.newUpdates(state.pending.size));
    state.pending.clear();
  }
}

const atTop = () => window.scrollY < TOP_PX;
const nextPage = () => (state.doc?.pages || []).find((link) => !state.pages.has(link.number));

async function loadPage(link) {
  const { body } = await getJson(link.url); // immutable: the browser may cache it for good
  applyRun(body.entries, { page: link.number });
  state.pages.set(link.number, link.url);
}

// --- Polling ---------------------------------------------------------------------------------

let timer = null;
let delay = POLL_MS;
let inflight = null;

function schedule(ms) {
  clearTimeout(timer);
  if (!state.stopped && !document.hidden && state.latestUrl) timer = setTimeout(poll, ms);
}

function poll() {
  if (!inflight) {
    clearTimeout(timer);
    inflight = refresh()
      .then(() => (delay = POLL_MS))
      .catch((error) => {
        delay = Math.min(delay * 2, MAX_POLL_MS);
        console.warn("liveblog: poll failed, next try in", delay / 1000, "s:", error);
        if (!state.doc) showMessage(error.status === 404 ? TEXT.notFound : TEXT.failed);
      })
      .finally(() => {
        inflight = null;
        schedule(delay);
      });
  }
  return inflight;
}

async function refresh() {
  const result = await getJson(state.latestUrl, { etag: state.etag, cache: "no-store" });
  const doc = result.body;
  // CDN edges can lag one another: a copy older than the one shown is never rendered.
  if (doc && doc.version >= state.version) state.etag = result.etag;
  if (doc && doc.version > state.version) {
    state.version = doc.version;
    applyLatest(doc);
    state.doc = doc;
    render();
  }
  // An older page the reader opened that has changed since (a correction or a takedown on it)
  // has a new hashed URL. Checked on every poll, so one that failed to load is tried again.
  const loaded = (link) => state.pages.get(link.number) || link.url;
  const stale = (state.doc?.pages || []).filter((link) => loaded(link) !== link.url);
  for (const link of stale) await loadPage(link);
  if (stale.length) keepScrollPosition(renderStream);
}

document.addEventListener("visibilitychange", () => {
  if (document.hidden) clearTimeout(timer); // a hidden tab costs nothing
  else if (!state.stopped && state.latestUrl) poll();
});

// --- Rendering the page ----------------------------------------------------------------------

function render() {
  keepScrollPosition(renderAll);
  $("#message").hidden = true;
  $("#layout").hidden = false;
  document.body.dataset.ready = "true";
}

function renderAll() {
  const { doc } = state;
  const { blog } = doc;
  document.documentElement.lang = blog.language || "en";
  document.title = blog.title;
  $("#headline").textContent = blog.title;
  setText($("#summary"), blog.summary);
  $("#key-points").replaceChildren(...blog.key_points.map((point) => el("li", {}, point)));
  $("#key-points").hidden = !blog.key_points.length;
  const status = $("#status");
  status.dataset.status = blog.status;
  status.textContent = TEXT.status[blog.status] || blog.status;
  status.hidden = false;
  $("#footnote").textContent = TEXT.times(blog.time_zone.replace(/_/g, " "));
  // textContent never parses markup; escaping "<" keeps the JSON inert should the page ever
  // be serialised to HTML (server-side rendering, saved pages).
  $("#json-ld").textContent = JSON.stringify(doc.json_ld).replace(/</g, "\\u003c");

  if (blog.status !== "live") {
    state.stopped = true; // nothing more will come: stop asking
    clearTimeout(timer);
    setText($("#ended"), TEXT.ended);
  }
  renderPinned(doc.pinned);
  renderKeyEvents(doc.key_events);
  renderStream();
}

function renderPinned(entry) {
  const section = $("#pinned");
  const old = section.querySelector("article");
  section.hidden = !entry;
  if (!entry) return old?.remove();
  if (old?.dataset.entryId === entry.id && rendered.get(old) === JSON.stringify(entry)) return;
  const article = renderEntry(entry);
  article.removeAttribute("id"); // the stream's copy owns #entry-<id>
  article.classList.add("entry--pinned");
  old ? old.replaceWith(article) : section.append(article);
}

let shownKeyEvents = "";
function renderKeyEvents(events) {
  const json = JSON.stringify(events);
  if (json === shownKeyEvents) return; // rebuilding would drop the focus of a keyboard reader
  shownKeyEvents = json;
  $("#sidebar").hidden = !events.length;
  $("#layout").classList.toggle("layout--single", !events.length);
  const items = events.map((event) => {
    const link = el("a", { href: `#entry-${event.id}`, "data-entry-id": event.id }, timeElement(event.published_at), " ", el("span", {}, event.title));
    link.addEventListener("click", (click) => {
      click.preventDefault();
      jumpTo(event.id, event.url);
    });
    return el("li", {}, link);
  });
  $("#key-events").replaceChildren(el("ol", { class: "key-events__list" }, ...items));
}

// Put the stream's articles in state order, creating new ones and rewriting corrected ones, so
// that an untouched entry (and a video the reader started in it) stays as it is.
const rendered = new WeakMap(); // article -> JSON of the entry it shows
function renderStream() {
  const stream = $("#stream");
  const existing = new Map([...stream.querySelectorAll(":scope > article.entry")].map((a) => [a.dataset.entryId, a]));
  let previous = $("#stream-heading");
  for (const id of state.order) {
    if (state.pending.has(id)) continue;
    const entry = state.entries.get(id);
    let article = existing.get(id);
    existing.delete(id);
    if (!article) article = renderEntry(entry);
    else if (rendered.get(article) !== JSON.stringify(entry)) article = renderEntry(entry, article);
    if (previous.nextElementSibling !== article) previous.after(article);
    previous = article;
  }
  existing.forEach((article) => article.remove());

  const bar = $("#new-updates");
  const waiting = TEXT.newUpdates(state.pending.size);
  if (state.pending.size && bar.textContent !== waiting) announce(waiting);
  bar.textContent = state.pending.size ? waiting : "";
  bar.hidden = !state.pending.size;
  $("#load-older").hidden = !nextPage();
}

// Entries inserted, corrected or removed above what the reader is looking at would push it
// away. Keep the first visible article that stays where it is on screen (CSS scroll anchoring
// does this too, but not in every browser, so style.css turns it off and this does it everywhere).
function keepScrollPosition(change) {
  if (atTop()) return change(); // at the top, new entries are meant to be seen
  const stays = (article) => state.entries.has(article.dataset.entryId) && !state.pending.has(article.dataset.entryId);
  const anchor = [...document.querySelectorAll("#stream > article")].find((a) => stays(a) && a.getBoundingClientRect().bottom > 0);
  const before = anchor?.getBoundingClientRect().top;
  change();
  if (anchor?.isConnected) window.scrollBy(0, anchor.getBoundingClientRect().top - before);
}

function showMessage(text) {
  setText($("#message"), text);
  $("#layout").hidden = true;
  document.body.dataset.ready = "true";
}

const announce = (text) => ($("#announcer").textContent = text);

// --- Entries and blocks ----------------------------------------------------------------------

function renderEntry(entry, article = el("article")) {
  rendered.set(article, JSON.stringify(entry));
  article.className = "entry";
  article.classList.toggle("entry--updated", Boolean(entry.updated_at));
  article.classList.toggle("entry--key", entry.key_event);
  article.id = `entry-${entry.id}`;
  article.dataset.entryId = entry.id;
  article.tabIndex = -1; // focusable from the key events timeline
  const meta = el("div", { class: "entry__meta" }, timeElement(entry.published_at, "entry__time"));
  if (entry.author?.name) meta.append(el("span", { class: "entry__author" }, entry.author.name));
  if (entry.updated_at) meta.append(el("span", { class: "entry__updated" }, TEXT.updated(clock(entry.updated_at))));
  if (entry.key_event) meta.append(el("span", { class: "entry__key" }, TEXT.keyEvent));
  const parts = [meta];
  if (entry.title) parts.push(el("h2", { class: "entry__title" }, entry.title));
  for (const block of entry.blocks) {
    const node = BLOCKS[block.type]?.(block); // unknown types (newer than this page) are skipped
    if (node) parts.push(node);
  }
  article.replaceChildren(...parts);
  return article;
}

const BLOCKS = {
  paragraph: (block) => el("p", { class: "entry__text" }, inlineHtml(block.html)),
  heading: (block) => el(block.level === 3 ? "h4" : "h3", { class: "entry__heading" }, block.text),
  quote: (block) =>
    el("blockquote", { class: "quote" }, el("p", {}, block.text), block.attribution ? el("cite", {}, block.attribution) : ""),
  list: (block) => el(block.ordered ? "ol" : "ul", { class: "entry__list" }, ...block.items.map((item) => el("li", {}, inlineHtml(item)))),
  photo: renderPhoto,
  embed: renderEmbed,
};

function renderPhoto(block) {
  const sizes = "(min-width: 720px) 680px, 100vw";
  // width and height give the aspect ratio, so the space is kept while the image loads. The alt
  // is empty when the editor gave none: the caption below says what the photo shows.
  const { width, height } = block;
  const src = safeUrl(block.src, location.href)?.href || "";
  const img = el("img", { src, srcset: safeSrcset(block.srcset.jpeg), sizes, width, height, alt: block.alt || "", loading: "lazy", decoding: "async" });
  const picture = el("picture", {}, el("source", { type: "image/webp", srcset: safeSrcset(block.srcset.webp), sizes }), img);
  const caption = el("figcaption", {}, el("span", { class: "photo__caption" }, block.caption));
  if (block.credit) caption.append(" ", el("span", { class: "photo__credit" }, block.credit));
  return el("figure", { class: "photo" }, picture, caption);
}

// Third-party players load only when the reader asks: no tracking or weight before that.
function renderEmbed(block) {
  const name = PROVIDERS[block.provider] || block.provider || safeUrl(block.url)?.hostname || "";
  const card = el("div", { class: "embed", "data-provider": block.provider || "" });
  card.append(el("p", { class: "embed__provider" }, name));
  if (block.caption) card.append(el("p", { class: "embed__caption" }, block.caption));
  const player = playerUrl(block.url);
  if (player) {
    const button = el("button", { type: "button", class: "embed__load" }, TEXT.loadVideo(name));
    button.addEventListener("click", () => {
      const title = block.caption || `${name} video`;
      const sandbox = "allow-scripts allow-same-origin allow-presentation";
      const frame = el("iframe", { class: "embed__frame", src: player, title, sandbox, allow: "autoplay; encrypted-media; picture-in-picture", allowfullscreen: "" });
      card.replaceWith(el("div", { class: "embed embed--loaded" }, frame));
      frame.focus();
    });
    card.append(button);
  }
  const href = safeUrl(block.url)?.href;
  if (href) card.append(el("a", { class: "embed__link", href, rel: "noopener noreferrer", target: "_blank" }, TEXT.viewOn(name)));
  return card;
}

// The privacy-friendlier player for a YouTube or Vimeo URL, or null for anything else.
function playerUrl(raw) {
  const url = safeUrl(raw);
  if (!url || url.protocol !== "https:") return null;
  const host = url.hostname.replace(/^(www|m)\./, "");
  const path = url.pathname.split("/").filter(Boolean);
  let id = null;
  if (host === "youtu.be") id = path[0];
  else if (host === "youtube.com") id = url.searchParams.get("v") || (["embed", "shorts", "live"].includes(path[0]) ? path[1] : null);
  if (id && /^[\w-]{11}$/.test(id)) return `https://www.youtube-nocookie.com/embed/${id}?autoplay=1`;
  if (host === "vimeo.com" && /^\d+$/.test(path[0] || "")) return `https://player.vimeo.com/video/${path[0]}?autoplay=1`;
  if (host === "player.vimeo.com" && path[0] === "video" && /^\d+$/.test(path[1] || "")) return `https://player.vimeo.com/video/${path[1]}?autoplay=1`;
  return null;
}

// --- Inline HTML, defence in depth -----------------------------------------------------------

// The API already sanitises paragraphs and list items to these tags; the page checks again so
// that a bug or a compromised pipeline upstream cannot run script on readers' devices. The
// markup is parsed in an inert document (nothing runs, nothing loads) and only whitelisted
// elements are copied across, as new elements with only the attributes set here.
const INLINE_TAGS = new Set(["B", "STRONG", "I", "EM", "BR", "A"]);
const DROP_WITH_CONTENT = new Set(["SCRIPT", "STYLE", "TEMPLATE", "IFRAME", "OBJECT", "NOSCRIPT", "TEXTAREA", "TITLE"]);

function inlineHtml(html) {
  const fragment = document.createDocumentFragment();
  copyInline(new DOMParser().parseFromString(html, "text/html").body, fragment);
  return fragment;
}

function copyInline(from, to) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.append(node.data);
    } else if (node.nodeType === Node.ELEMENT_NODE && !DROP_WITH_CONTENT.has(node.tagName)) {
      const href = node.tagName === "A" ? safeUrl(node.getAttribute("href")) : null;
      if (!INLINE_TAGS.has(node.tagName) || (node.tagName === "A" && !href)) {
        copyInline(node, to); // keep the words, lose the element
        continue;
      }
      const copy = document.createElement(node.tagName.toLowerCase());
      if (href) Object.assign(copy, { href: href.href, rel: "noopener noreferrer nofollow", target: "_blank" });
      copyInline(node, copy);
      to.append(copy);
    }
  }
}

// An http(s) or mailto URL, or null: absolute, or relative to `base` when one is given. The
// snapshots' own links (documents, photos) are relative; editors' links must be absolute.
function safeUrl(raw, base = undefined) {
  try {
    const url = new URL(raw, base);
    return ["http:", "https:", "mailto:"].includes(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

// A srcset ("<url> <width>w, …") keeping only the candidates whose URL is safe.
function safeSrcset(srcset) {
  const candidates = (srcset || "").split(",").map((candidate) => candidate.trim().split(/\s+/));
  return candidates
    .filter(([url]) => url && safeUrl(url, location.href))
    .map((parts) => parts.join(" "))
    .join(", ");
}

// --- Times, in the blog's language and time zone ---------------------------------------------

// Intl formatters, made once per blog (they are costly to create).
let formats = null;
function format() {
  const { language, time_zone: zone } = state.doc?.blog || {};
  if (formats?.key === `${language}|${zone}`) return formats;
  let [lang, timeZone] = [language || undefined, zone || undefined];
  try {
    new Intl.DateTimeFormat(lang, { timeZone });
  } catch {
    [lang, timeZone] = []; // an unknown language or zone: the reader's own beats nothing
  }
  const dates = (options) => new Intl.DateTimeFormat(lang, { ...options, timeZone });
  return (formats = {
    key: `${language}|${zone}`,
    relative: new Intl.RelativeTimeFormat(lang, { numeric: "auto" }),
    full: dates({ dateStyle: "full", timeStyle: "short" }),
    zone: dates({ timeZoneName: "short" }),
    clock: dates({ hour: "2-digit", minute: "2-digit" }),
    date: dates({ day: "numeric", month: "short", year: "numeric" }),
  });
}

const clock = (iso) => format().clock.format(new Date(iso));

// "just now", "2 minutes ago", "3 hours ago", "yesterday"; a date beyond a week.
function relative(iso, now = Date.now()) {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  const { relative: rtf, date } = format();
  if (Math.abs(seconds) < 60) return rtf.resolvedOptions().locale.startsWith("en") ? "just now" : rtf.format(0, "second");
  if (Math.abs(seconds) < 3600) return rtf.format(Math.round(seconds / 60), "minute");
  if (Math.abs(seconds) < 86_400) return rtf.format(Math.round(seconds / 3600), "hour");
  if (Math.abs(seconds) < 7 * 86_400) return rtf.format(Math.round(seconds / 86_400), "day");
  return date.format(new Date(iso));
}

// <time> shows the relative time; its title (on hover) the exact one, in the blog's time zone.
function timeElement(iso, className = "") {
  const date = new Date(iso);
  const zone = format().zone.formatToParts(date).find((part) => part.type === "timeZoneName")?.value;
  const title = `${format().full.format(date)} ${zone || ""}`.trim();
  return el("time", { datetime: iso, title, class: className, "data-relative": "" }, relative(iso));
}

function refreshTimes() {
  const now = Date.now();
  document.querySelectorAll("time[data-relative]").forEach((time) => (time.textContent = relative(time.dateTime, now)));
}

// --- Interaction -----------------------------------------------------------------------------

// Jump to an entry from the key events timeline, loading older pages if it is not shown yet.
async function jumpTo(id, url) {
  const find = () => document.getElementById(`entry-${id}`);
  if (!find() && state.pending.has(id)) showPending();
  for (let i = 0; !find() && nextPage() && i < MAX_JUMP_PAGES; i++) await loadOlder();
  const article = find();
  // Far back: its own document, but never a script URL a tampered snapshot could carry.
  const target = url && safeUrl(url, location.href);
  if (!article) return target && location.assign(target.href);
  history.replaceState(null, "", `#entry-${id}`);
  article.scrollIntoView({ block: "start" });
  article.focus({ preventScroll: true });
}

let loadingOlder = null;
function loadOlder() {
  const link = nextPage();
  if (loadingOlder || !link) return loadingOlder; // a second click waits for the first
  const button = $("#load-older");
  button.textContent = TEXT.loading;
  loadingOlder = loadPage(link)
    .then(() => (button.textContent = TEXT.loadOlder))
    .catch((error) => {
      console.warn("liveblog: older page failed:", error);
      button.textContent = TEXT.retryOlder;
    })
    .finally(() => {
      loadingOlder = null;
      renderStream();
    });
  return loadingOlder;
}

function showPending(moveFocus = true) {
  const first = state.order.find((id) => state.pending.has(id));
  state.pending.clear();
  renderStream();
  if (!moveFocus) return;
  window.scrollTo({ top: 0 });
  document.getElementById(`entry-${first}`)?.focus({ preventScroll: true });
}

// Key events sit open beside the stream on wide screens and fold up above it on narrow ones.
const syncKeyEventsPanel = () => ($("#key-events-panel").open = WIDE.matches);

// --- Helpers ---------------------------------------------------------------------------------

// el("a", {href: "…"}, "text", child): attributes are set as attributes, children appended as
// text or nodes, so no string is ever parsed as HTML.
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function setText(node, text) {
  node.textContent = text || "";
  node.hidden = !text;
}

// --- Start -----------------------------------------------------------------------------------

async function start() {
  $("#new-updates").addEventListener("click", () => showPending());
  $("#load-older").addEventListener("click", loadOlder);
  // Back at the top, the reader sees waiting updates without having to click for them.
  window.addEventListener("scroll", () => state.pending.size && atTop() && showPending(false), { passive: true });
  WIDE.addEventListener("change", syncKeyEventsPanel);
  syncKeyEventsPanel();
  setInterval(refreshTimes, CLOCK_MS);

  let blog;
  try {
    blog = await chooseBlog();
  } catch (error) {
    console.warn("liveblog: index failed:", error);
    return showMessage(TEXT.failed);
  }
  if (!blog) return showMessage(TEXT.noBlog);
  Object.assign(state, { slug: blog.slug, latestUrl: blog.url });
  await poll();
  // A permalink (#entry-<id>) opened directly: bring that entry into view once it is shown.
  const linked = /^#entry-(.+)$/.exec(location.hash);
  if (linked && state.doc) jumpTo(decodeURIComponent(linked[1]));
}

window.liveblog = {
  state,
  stats,
  pollNow: async () => {
    await inflight; // a poll already under way may predate what the caller wants to see
    await poll();
  },
  settled: () => inflight || Promise.resolve(), // the poll under way, next one scheduled
};

start();
