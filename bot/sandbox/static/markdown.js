// huddlebot sandbox chat: Markdown → safe HTML. A separate file so a test
// can run it without a browser (bot/sandbox markdown_test.go, under node).
//
// Everything is escaped first; only these constructs become markup:
// **bold**, _italic_, `code`, links, "- " lists, "# " headings (a bold
// line, as on Slack and Discord), paragraphs and line breaks.
// Text in a card may be what a person typed, so a link never shows a label
// in place of its address: [text](https://…) becomes "text (https://…)".
// A mention the bot built (U+FFF9 id U+FFFB, bot.Mention) shows as "@id".
'use strict';
const hbMarkdown = (() => {
  const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]);
  const link = (url) => `<a href="${url}" target="_blank" rel="noopener noreferrer">${url}</a>`;

  // plain is text for a plain-text field of a card (title, context): shown
  // as written, as Slack and Discord show it, with a bot mention as "@id".
  const plain = (src) => esc(src).replace(/\uFFF9([^\uFFFB]*)\uFFFB/g, (_, id) => `@${id}`);

  function inline(src) {
    const keep = [];
    const stash = (html) => `\u0000${keep.push(html) - 1}\u0000`;
    // \u0000 delimits the stash: none may come from the text itself.
    let s = esc(String(src ?? '').replace(/\u0000/g, ''));
    s = s.replace(/\uFFF9([^\uFFFB]*)\uFFFB/g, (_, id) => `@${id}`);
    s = s.replace(/`([^`\n]+)`/g, (_, c) => stash(`<code>${c}</code>`));
    s = s.replace(
      /\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|\bhttps?:\/\/[^\s<]*[^\s<.,;:!?)'"&]/g,
      // esc() already made the URL attribute-safe (quotes are &quot;).
      (m, text, url) => (url ? `${text} (${stash(link(url))})` : stash(link(m))),
    );
    s = s.replace(/\*\*([^*\n]+?)\*\*/g, '<strong>$1</strong>');
    s = s.replace(/(^|[^\w])_([^_\n]+?)_(?!\w)/g, '$1<em>$2</em>');
    return s.replace(/\u0000(\d+)\u0000/g, (_, i) => keep[Number(i)]);
  }

  function md(src) {
    const lines = String(src ?? '').replace(/\r\n?/g, '\n').split('\n');
    let out = '';
    let para = [];
    let list = null;
    const flushPara = () => {
      if (para.length) out += `<p>${para.map(inline).join('<br>')}</p>`;
      para = [];
    };
    const flushList = () => {
      if (list) out += `<ul>${list.map((li) => `<li>${inline(li)}</li>`).join('')}</ul>`;
      list = null;
    };
    for (const line of lines) {
      const item = /^\s*[-*•]\s+(.*)$/.exec(line);
      const heading = /^#{1,6}[ \t]+(.+)$/.exec(line);
      if (heading) {
        flushPara();
        flushList();
        out += `<p><strong>${inline(heading[1])}</strong></p>`;
      } else if (item) {
        flushPara();
        (list ||= []).push(item[1]);
      } else if (!line.trim()) {
        flushPara();
        flushList();
      } else if (list && /^\s{2,}\S/.test(line)) {
        list[list.length - 1] += ' ' + line.trim(); // continuation of a list item
      } else {
        flushList();
        para.push(line);
      }
    }
    flushPara();
    flushList();
    return out;
  }

  return { esc, plain, inline, md };
})();
if (typeof module !== 'undefined') module.exports = hbMarkdown;
