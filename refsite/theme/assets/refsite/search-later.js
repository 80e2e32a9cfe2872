/* refsite: opened from disk, Material's search index loads after the page, not before it.
 *
 * From file:// Material's bundle loads the whole search index as a script (search/search_index.js,
 * 7.6 MB at 5,000 partners) as each page starts, and the page's load event waits for it: about a
 * third of a second on every page at that size. This script, loaded in the head before the bundle,
 * holds that one script element back until the page has loaded and the browser is idle (at most a
 * second later), or until someone reaches for search (the search box or its icon, or a key that
 * opens it), whichever comes first; then it is added exactly as Material asked, and search gets
 * ready as it always does (at 5,000 partners about six seconds later, then as before). Nothing
 * else is touched: any other script, or the index over http (fetched, so it never held the page
 * back), goes in at once. Without this script, search works as Material's does.
 */
(function () {
  "use strict";

  if (location.protocol !== "file:" || !document.head) return;
  var INDEX = /\/search\/search_index\.js(\?|$)/;
  var head = document.head;
  var append = head.appendChild;
  var held = [];
  var released = false;

  function release() {
    if (released) return;
    released = true;
    held.forEach(function (node) { append.call(head, node); });
    held = [];
  }

  head.appendChild = function (node) {
    if (!released && node && node.tagName === "SCRIPT" && INDEX.test(node.src || "")) {
      held.push(node);
      return node;
    }
    return append.call(this, node);
  };

  function idle() {
    if (window.requestIdleCallback) window.requestIdleCallback(release, { timeout: 1000 });
    else setTimeout(release, 200);
  }
  if (document.readyState === "complete") idle(); else window.addEventListener("load", idle);
  // Someone reaching for search: the search box, its label or toggle, or a key that opens it.
  document.addEventListener("focusin", function (event) {
    if (event.target && event.target.closest && event.target.closest(".md-search")) release();
  }, true);
  document.addEventListener("pointerdown", function (event) {
    if (event.target && event.target.closest && event.target.closest(".md-search, [for='__search']")) release();
  }, true);
  document.addEventListener("keydown", function (event) {  // Material's keys for search, outside a form field
    var field = event.target && event.target.closest && event.target.closest("input, textarea, select");
    if (!field && /^[fs/]$/i.test(event.key)) release();
  }, true);
})();
