/* refsite: typo tolerance for Material's search (a local script; no CDN, works from file://).
 *
 * Material's search runs in a worker (or, opened from disk, in iframe-worker's frame) and appends
 * a wildcard to every word: 'Natarjan' finds nothing, 'Harbor' misses 'Harbour'. This script sits
 * in front of that worker: each query on its way to it keeps every word as typed and adds, for a
 * word of five letters or more, the same word with one edit allowed (lunr's 'word~1'; eight or
 * more: two). A word the person marked (+word, -word, word~2, word^3, field:word) is left alone.
 * Without the script, search works as Material's does.
 */
(function () {
  "use strict";

  var QUERY = 2; // Material's SearchMessageType.QUERY

  function tolerant(query) {
    var words = String(query).split(/\s+/).filter(Boolean);
    var out = [];
    words.forEach(function (word) {
      out.push(word);
      if (/^[+-]|[~^*:"]/.test(word)) return;
      // A referral id or a number is found as written: no edits.
      var letters = word.replace(/[^A-Za-z\u00C0-\u024F]/g, "");
      if (letters.length !== word.length || letters.length < 5) return;
      out.push(word + "~" + (letters.length >= 8 ? 2 : 1));
    });
    return out.join(" ");
  }

  function wrap(proto) {
    if (!proto || proto.__refsiteSearch) return;
    var post = proto.postMessage;
    proto.postMessage = function (message) {
      if (message && message.type === QUERY && typeof message.data === "string") {
        var args = Array.prototype.slice.call(arguments);
        args[0] = { type: QUERY, data: tolerant(message.data) };
        return post.apply(this, args);
      }
      return post.apply(this, arguments);
    };
    proto.__refsiteSearch = true;
  }

  if (window.Worker) wrap(window.Worker.prototype);
  if (window.IFrameWorker) wrap(window.IFrameWorker.prototype);
  window.refsiteSearchQuery = tolerant;
})();
