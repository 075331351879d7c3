//! The natural logarithm, log(1 + x) and the exponential as V8 computes `Math.log`, `Math.log1p`
//! and `Math.exp` (Node 20: fdlibm's e_log.c, s_log1p.c and e_exp.c, ported in v8 src/base/ieee754.cc),
//! so that the model kernels give the TypeScript kernels' doubles bit for bit (issue 10: identical
//! snapshots for both kernel sets). glibc's `ln`, `ln_1p` and `exp` (Rust's f64 methods) round
//! differently in the last bit for some arguments. Checked against the running V8 over a million
//! arguments by test/engine/model/fdlibm-identity.test.ts through the addon's `modelMath` export.
//!
//! Ported from fdlibm 5.3 (http://www.netlib.org/fdlibm), with V8's changes to exp (exp(1) = E,
//! the scaling by 2^k as a multiplication):
//!
//! ====================================================
//! Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//!
//! Developed at SunSoft, a Sun Microsystems, Inc. business.
//! Permission to use, copy, modify, and distribute this
//! software is freely granted, provided that this notice
//! is preserved.
//! ====================================================
//!
//! Every operation is a separate IEEE double operation in the original order (Rust never contracts
//! `a * b + c` into a fused multiply-add), which is what makes the results the same.

// The constants are fdlibm's literals as written (their bits in the comments), e and 1/ln 2 among them.
#![allow(clippy::excessive_precision, clippy::approx_constant)]

const LN2_HI: f64 = 6.93147180369123816490e-01; // 0x3FE62E42 0xFEE00000
const LN2_LO: f64 = 1.90821492927058770002e-10; // 0x3DEA39EF 0x35793C76
const TWO54: f64 = 1.80143985094819840000e+16; // 0x43500000 0x00000000
// Polynomial of the logarithm on [sqrt(2)/2, sqrt(2)] in s = f/(2+f) (fdlibm's Lg1..Lg7 = Lp1..Lp7).
const LG1: f64 = 6.666666666666735130e-01; // 0x3FE55555 0x55555593
const LG2: f64 = 3.999999999940941908e-01; // 0x3FD99999 0x9997FA04
const LG3: f64 = 2.857142874366239149e-01; // 0x3FD24924 0x94229359
const LG4: f64 = 2.222219843214978396e-01; // 0x3FCC71C5 0x1D8E78AF
const LG5: f64 = 1.818357216161805012e-01; // 0x3FC74664 0x96CB03DE
const LG6: f64 = 1.531383769920937332e-01; // 0x3FC39A09 0xD078C69F
const LG7: f64 = 1.479819860511658591e-01; // 0x3FC2F112 0xDF3E5244

#[inline(always)]
fn high(x: f64) -> i32 {
    (x.to_bits() >> 32) as i32
}

#[inline(always)]
fn low(x: f64) -> u32 {
    x.to_bits() as u32
}

#[inline(always)]
fn with_high(x: f64, hi: i32) -> f64 {
    f64::from_bits(((hi as u32 as u64) << 32) | (x.to_bits() & 0xFFFF_FFFF))
}

/// ln x (fdlibm e_log.c).
pub fn log(mut x: f64) -> f64 {
    let mut hx = high(x);
    let lx = low(x);
    let mut k: i32 = 0;
    if hx < 0x0010_0000 {
        // x < 2^-1022
        if ((hx & 0x7FFF_FFFF) as u32 | lx) == 0 {
            return f64::NEG_INFINITY; // log(±0) = −∞
        }
        if hx < 0 {
            return f64::NAN; // log(−#) = NaN
        }
        k -= 54;
        x *= TWO54; // subnormal: scale up
        hx = high(x);
    }
    if hx >= 0x7FF0_0000 {
        return x + x;
    }
    k += (hx >> 20) - 1023;
    hx &= 0x000F_FFFF;
    let i = (hx + 0x95F64) & 0x10_0000;
    x = with_high(x, hx | (i ^ 0x3FF0_0000)); // normalise x or x/2
    k += i >> 20;
    let f = x - 1.0;
    if (0x000F_FFFF & (2 + hx)) < 3 {
        // |f| < 2^-20
        if f == 0.0 {
            if k == 0 {
                return 0.0;
            }
            let dk = k as f64;
            return dk * LN2_HI + dk * LN2_LO;
        }
        let r = f * f * (0.5 - 0.33333333333333333 * f);
        if k == 0 {
            return f - r;
        }
        let dk = k as f64;
        return dk * LN2_HI - ((r - dk * LN2_LO) - f);
    }
    let s = f / (2.0 + f);
    let dk = k as f64;
    let z = s * s;
    let mut i = hx - 0x6147A;
    let w = z * z;
    let j = 0x6B851 - hx;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    i |= j;
    let r = t2 + t1;
    if i > 0 {
        let hfsq = 0.5 * f * f;
        if k == 0 {
            f - (hfsq - s * (hfsq + r))
        } else {
            dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f)
        }
    } else if k == 0 {
        f - s * (f - r)
    } else {
        dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f)
    }
}

/// ln(1 + x) (fdlibm s_log1p.c).
pub fn log1p(x: f64) -> f64 {
    let hx = high(x);
    let ax = hx & 0x7FFF_FFFF;
    let mut k: i32 = 1;
    let mut f = 0.0;
    let mut c = 0.0;
    let mut hu: i32 = 0;
    if hx < 0x3FDA_827A {
        // x < 0.41422
        if ax >= 0x3FF0_0000 {
            // x <= −1
            return if x == -1.0 { f64::NEG_INFINITY } else { f64::NAN };
        }
        if ax < 0x3E20_0000 {
            // |x| < 2^-29
            if TWO54 + x > 0.0 && ax < 0x3C90_0000 {
                return x; // |x| < 2^-54
            }
            return x - x * x * 0.5;
        }
        if hx > 0 || hx <= 0xBFD2_BEC4_u32 as i32 {
            // −0.2929 < x < 0.41422: 1 + x needs no reduction
            k = 0;
            f = x;
            hu = 1;
        }
    }
    if hx >= 0x7FF0_0000 {
        return x + x;
    }
    if k != 0 {
        let mut u;
        if hx < 0x4340_0000 {
            u = 1.0 + x;
            hu = high(u);
            k = (hu >> 20) - 1023;
            c = if k > 0 { 1.0 - (u - x) } else { x - (u - 1.0) }; // correction term
            c /= u;
        } else {
            u = x;
            hu = high(u);
            k = (hu >> 20) - 1023;
            c = 0.0;
        }
        hu &= 0x000F_FFFF;
        if hu < 0x6A09E {
            u = with_high(u, hu | 0x3FF0_0000); // normalise u
        } else {
            k += 1;
            u = with_high(u, hu | 0x3FE0_0000); // normalise u/2
            hu = (0x0010_0000 - hu) >> 2;
        }
        f = u - 1.0;
    }
    let hfsq = 0.5 * f * f;
    if hu == 0 {
        // |f| < 2^-20
        if f == 0.0 {
            if k == 0 {
                return 0.0;
            }
            c += k as f64 * LN2_LO;
            return k as f64 * LN2_HI + c;
        }
        let r = hfsq * (1.0 - 0.66666666666666666 * f);
        if k == 0 {
            return f - r;
        }
        return k as f64 * LN2_HI - ((r - (k as f64 * LN2_LO + c)) - f);
    }
    let s = f / (2.0 + f);
    let z = s * s;
    let r = z * (LG1 + z * (LG2 + z * (LG3 + z * (LG4 + z * (LG5 + z * (LG6 + z * LG7))))));
    if k == 0 {
        f - (hfsq - s * (hfsq + r))
    } else {
        k as f64 * LN2_HI - ((hfsq - (s * (hfsq + r) + (k as f64 * LN2_LO + c))) - f)
    }
}

/// e^x (fdlibm e_exp.c as V8 has it).
pub fn exp(mut x: f64) -> f64 {
    const HALF: [f64; 2] = [0.5, -0.5];
    const O_THRESHOLD: f64 = 7.09782712893383973096e+02; // 0x40862E42 0xFEFA39EF
    const U_THRESHOLD: f64 = -7.45133219101941108420e+02; // 0xC0874910 0xD52D3051
    const LN2HI: [f64; 2] = [LN2_HI, -LN2_HI];
    const LN2LO: [f64; 2] = [LN2_LO, -LN2_LO];
    const INVLN2: f64 = 1.44269504088896338700e+00; // 0x3FF71547 0x652B82FE
    const P1: f64 = 1.66666666666666019037e-01; // 0x3FC55555 0x5555553E
    const P2: f64 = -2.77777777770155933842e-03; // 0xBF66C16C 0x16BEBD93
    const P3: f64 = 6.61375632143793436117e-05; // 0x3F11566A 0xAF25DE2C
    const P4: f64 = -1.65339022054652515390e-06; // 0xBEBBBD41 0xC5D26BF1
    const P5: f64 = 4.13813679705723846039e-08; // 0x3E663769 0x72BEA4D0
    const E: f64 = 2.718281828459045; // 0x4005BF0A 0x8B145769
    const TWOM1000: f64 = 9.33263618503218878990e-302; // 2^-1000
    const TWO1023: f64 = 8.988465674311579539e307; // 2^1023
    let mut hx = high(x) as u32;
    let xsb = ((hx >> 31) & 1) as usize;
    hx &= 0x7FFF_FFFF;
    let (mut hi, mut lo, mut k) = (0.0, 0.0, 0i32);
    if hx >= 0x4086_2E42 {
        // |x| >= 709.78…
        if hx >= 0x7FF0_0000 {
            if ((hx & 0xF_FFFF) | low(x)) != 0 {
                return x + x; // NaN
            }
            return if xsb == 0 { x } else { 0.0 };
        }
        if x > O_THRESHOLD {
            return f64::INFINITY;
        }
        if x < U_THRESHOLD {
            return 0.0;
        }
    }
    if hx > 0x3FD6_2E42 {
        // |x| > 0.5 ln 2
        if hx < 0x3FF0_A2B2 {
            // and |x| < 1.5 ln 2
            if x == 1.0 {
                return E;
            }
            hi = x - LN2HI[xsb];
            lo = LN2LO[xsb];
            k = 1 - xsb as i32 - xsb as i32;
        } else {
            k = (INVLN2 * x + HALF[xsb]) as i32;
            let t = k as f64;
            hi = x - t * LN2HI[0]; // exact
            lo = t * LN2LO[0];
        }
        x = hi - lo;
    } else if hx < 0x3E30_0000 {
        // |x| < 2^-28
        return 1.0 + x;
    }
    let t = x * x;
    let twopk = if k >= -1021 {
        f64::from_bits(((0x3FF0_0000_i32.wrapping_add(((k as u32) << 20) as i32)) as u32 as u64) << 32)
    } else {
        f64::from_bits(((0x3FF0_0000_u32.wrapping_add(((k + 1000) as u32) << 20)) as u64) << 32)
    };
    let c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    if k == 0 {
        return 1.0 - ((x * c) / (c - 2.0) - x);
    }
    let y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
    if k >= -1021 {
        if k == 1024 {
            return y * 2.0 * TWO1023;
        }
        y * twopk
    } else {
        y * twopk * TWOM1000
    }
}
