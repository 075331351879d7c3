//! Customers grouped by (x, t_x, T): the Rust twin of engine/model/rfm-groups.ts `groupPacked`.
//! Each kept customer's key packs x · 2^(2d) + t_x · 2^d + T (d: the day bits), an LSD radix sort
//! of 11-bit digits orders (key, row) pairs, and one scan numbers the distinct keys. The groups
//! come out ordered by (x, t_x, T), as the TypeScript sort gives them.

/// Digits of this many bits per pass: 2048 buckets keep every bucket's write position in cache.
const DIGIT_BITS: u32 = 11;

/// Groups the rows with `group_of[i] >= 0` (the others stay -1) and writes each row's group into
/// `group_of`; the distinct (x, t_x, T) and their counts go to the first `count` entries of the
/// `out_*` slices (each at least as long as the rows kept). Values must be integers below their
/// bounds: x < 2^32, t_x and T < 2^day_bits (day_bits <= 16). Returns `count`.
pub fn group_packed(x: &[f64], tx: &[f64], t: &[f64], group_of: &mut [i32], day_bits: u32, out: [&mut [f64]; 4]) -> usize {
    let [out_x, out_tx, out_t, out_w] = out;
    let mut keys: Vec<u64> = Vec::with_capacity(group_of.len());
    let mut rows: Vec<u32> = Vec::with_capacity(group_of.len());
    let mut max = 0u64;
    for (i, g) in group_of.iter().enumerate() {
        if *g < 0 {
            continue;
        }
        let key = ((x[i] as u64) << (2 * day_bits)) | ((tx[i] as u64) << day_bits) | (t[i] as u64);
        max = max.max(key);
        keys.push(key);
        rows.push(i as u32);
    }
    let bits = 64 - max.leading_zeros();
    let mut key_tmp = vec![0u64; keys.len()];
    let mut row_tmp = vec![0u32; rows.len()];
    let buckets = 1usize << DIGIT_BITS;
    let mask = (buckets - 1) as u64;
    let mut offsets = vec![0usize; buckets];
    let mut shift = 0;
    while shift < bits.max(1) {
        offsets.fill(0);
        for k in &keys {
            offsets[((k >> shift) & mask) as usize] += 1;
        }
        let mut sum = 0;
        for o in offsets.iter_mut() {
            let c = *o;
            *o = sum;
            sum += c;
        }
        for (k, r) in keys.iter().zip(&rows) {
            let d = ((k >> shift) & mask) as usize;
            key_tmp[offsets[d]] = *k;
            row_tmp[offsets[d]] = *r;
            offsets[d] += 1;
        }
        std::mem::swap(&mut keys, &mut key_tmp);
        std::mem::swap(&mut rows, &mut row_tmp);
        shift += DIGIT_BITS;
    }
    let day_mask = (1u64 << day_bits) - 1;
    let mut count = 0usize;
    for (j, (k, r)) in keys.iter().zip(&rows).enumerate() {
        if j == 0 || *k != keys[j - 1] {
            out_x[count] = (k >> (2 * day_bits)) as f64;
            out_tx[count] = ((k >> day_bits) & day_mask) as f64;
            out_t[count] = (k & day_mask) as f64;
            out_w[count] = 0.0;
            count += 1;
        }
        out_w[count - 1] += 1.0;
        group_of[*r as usize] = (count - 1) as i32;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_come_out_ordered_with_their_counts_and_every_row_names_its_group() {
        // (x, t_x, T) rows; row 2 is left out.
        let x = [2.0, 0.0, 5.0, 2.0, 0.0, 1.0];
        let tx = [40.0, 0.0, 1.0, 40.0, 0.0, 3.0];
        let t = [310.0, 300.0, 9.0, 310.0, 290.0, 300.0];
        let mut group_of = [0, 0, -1, 0, 0, 0];
        let (mut ox, mut otx, mut ot, mut ow) = ([0.0; 6], [0.0; 6], [0.0; 6], [0.0; 6]);
        let count = group_packed(&x, &tx, &t, &mut group_of, 9, [&mut ox, &mut otx, &mut ot, &mut ow]);
        assert_eq!(count, 4);
        assert_eq!(&ox[..4], &[0.0, 0.0, 1.0, 2.0]);
        assert_eq!(&otx[..4], &[0.0, 0.0, 3.0, 40.0]);
        assert_eq!(&ot[..4], &[290.0, 300.0, 300.0, 310.0]);
        assert_eq!(&ow[..4], &[1.0, 1.0, 1.0, 2.0]);
        assert_eq!(group_of, [3, 1, -1, 3, 0, 2]);
    }

    #[test]
    fn keys_wider_than_32_bits_sort_as_their_triples() {
        // x of 11 bits above two 11-bit days: 33 bits in all.
        let n = 5000;
        let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % 2000) as f64).collect();
        let t: Vec<f64> = (0..n).map(|i| ((i * 104_729) % 2000) as f64).collect();
        let tx: Vec<f64> = (0..n).map(|i| ((i * 31) % 2000) as f64).collect();
        let mut group_of = vec![0; n];
        let (mut ox, mut otx, mut ot, mut ow) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let count = group_packed(&x, &tx, &t, &mut group_of, 11, [&mut ox, &mut otx, &mut ot, &mut ow]);
        let mut want: Vec<(u64, u64, u64)> = (0..n).map(|i| (x[i] as u64, tx[i] as u64, t[i] as u64)).collect();
        want.sort_unstable();
        want.dedup();
        assert_eq!(count, want.len());
        for (g, w) in want.iter().enumerate() {
            assert_eq!((ox[g] as u64, otx[g] as u64, ot[g] as u64), *w);
        }
        for i in 0..n {
            let g = group_of[i] as usize;
            assert_eq!((ox[g], otx[g], ot[g]), (x[i], tx[i], t[i]));
        }
        assert_eq!(ow[..count].iter().sum::<f64>(), n as f64);
    }
}
