// Accessibility basics, run in the page by tests/browser/a11y.py; returns what is wrong, in words.
() => {
  const problems = [];
  const visible = (el) => el.type !== 'hidden' && !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (!visible(el)) continue;
    const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label')
      || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!labelled) problems.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.name}`);
  }
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1]);
  if (headings.filter(l => l === 1).length !== 1) problems.push(`${headings.filter(l => l === 1).length} h1 elements`);
  if (headings.length && headings[0] !== 1) problems.push('the first heading is not h1');
  headings.forEach((level, i) => { if (i && level > headings[i - 1] + 1) problems.push(`h${headings[i-1]} then h${level}`); });
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (!visible(el)) continue;
    if (el.tabIndex < 0 || el.disabled) problems.push(`not reachable by keyboard: ${el.outerHTML.slice(0, 80)}`);
    if ((el.tagName === 'BUTTON' || el.tagName === 'A') && !(el.innerText.trim() || el.getAttribute('aria-label')))
      problems.push(`no accessible name: ${el.outerHTML.slice(0, 80)}`);
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (!svg.getAttribute('aria-labelledby') && !svg.getAttribute('aria-label') && svg.getAttribute('aria-hidden') !== 'true')
      problems.push('an svg without a text alternative');
  }
  if (!document.documentElement.lang) problems.push('no lang on <html>');
  return problems;
}
