// Logit-vector comparison: per position, the largest absolute difference, that difference
// relative to the reference's logit range at the position, top-1 agreement and top-10 overlap.

// Indices of the k largest values, best first (ties: lower index first). One pass with a
// small sorted list: a full sort of 49k entries per position would dominate the test.
export function topK(row, k) {
    const top = [];
    for (let i = 0; i < row.length; i++) {
        const v = row[i];
        if (top.length === k && !(v > row[top[k - 1]])) continue;
        let j = top.length === k ? k - 1 : top.length;
        while (j > 0 && v > row[top[j - 1]]) {
            top[j] = top[j - 1];
            j--;
        }
        top[j] = i;
    }
    return top;
}

export function comparePosition(ours, ref) {
    let maxAbs = 0;
    let lo = Infinity;
    let hi = -Infinity;
    let nonFinite = 0;
    for (let i = 0; i < ref.length; i++) {
        if (!Number.isFinite(ours[i]) || !Number.isFinite(ref[i])) {
            nonFinite++;
            continue;
        }
        const d = Math.abs(ours[i] - ref[i]);
        if (d > maxAbs) maxAbs = d;
        if (ref[i] < lo) lo = ref[i];
        if (ref[i] > hi) hi = ref[i];
    }
    const refTop = topK(ref, 10);
    const ourTop = topK(ours, 10);
    const overlap = ourTop.filter((t) => refTop.includes(t)).length;
    // A top-1 disagreement only counts when the reference's own top two are not a near-tie.
    const gap = ref[refTop[0]] - ref[refTop[1]];
    return {maxAbs, range: hi - lo, rel: maxAbs / (hi - lo), top1: ourTop[0] === refTop[0], overlap, gap,
        refTop1: refTop[0], ourTop1: ourTop[0], nonFinite};
}

export function formatRow(name, s) {
    const ties = s.top1NearTie ? ` (+${s.top1NearTie} near-tie)` : '';
    return `| ${name} | ${s.positions} | ${s.maxAbs.toExponential(2)} | ${s.maxRel.toExponential(2)} | ` +
        `${s.top1Agree}/${s.positions}${ties} | ${s.minOverlap} / ${s.meanOverlap.toFixed(2)} | ` +
        `${s.batchRel.toExponential(2)} | ${s.selfRel.toExponential(2)} |` +
        (s.ourSelfRel === undefined ? '' : ` ${s.ourSelfRel.toExponential(2)} |`);
}

// "vs its batch": our batch against llama.cpp's; the last column (logits.test only): our own
// batch against our decode path.
export const tableHeader = '| model | positions | max abs diff | max diff / range | top-1 agree | top-10 overlap min / mean | ' +
    'vs its batch | its batch vs its decode |\n|---|---|---|---|---|---|---|---|';
export const logitTableHeader = '| model | positions | max abs diff | max diff / range | top-1 agree | top-10 overlap min / mean | ' +
    'ours batch vs its batch | its batch vs its decode | our batch vs our decode |\n|---|---|---|---|---|---|---|---|---|';
