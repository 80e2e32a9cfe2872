/* refsite: opened from disk, Material's search starts when someone opens search, not with every page.
 *
 * From file:// Material's bundle loads the whole search index as a script (search/search_index.js,
 * 7.6 MB at 5,000 partners) as each page starts, and its search "worker" (iframe-worker's frame:
 * browsers give no real worker to a file:// page) then builds its index on the page's own thread.
 * The load event waits for the first, and the page does not answer a click during the second:
 * at 5,000 partners about a quarter of a second and then about six seconds, on every page opened.
 * This script, loaded in the head before the bundle, holds that one script element back until
 * someone reaches for search (the search box or its icon, or a key that opens it); then it is added
 * exactly as Material asked, and search starts as it always does. Nothing else is touched: any
 * other script, or the index over http (fetched, and searched in a real worker), goes in at once.
 * Without this script, search works as Material's does.
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
