//! Byte-loop `memcpy`, `memset` and `memcmp` for the verify-only build, in place of
//! compiler-builtins' word-at-a-time ones (about 1.4 KiB of flash with their ARM EABI entry
//! points, against a few dozen bytes here). The verifier copies and clears only small
//! values (field elements, points, a signature), so the slower loops cost it little; the
//! builds that count instructions (`bench`, `tls`) and the client keep the library's.
//!
//! Every entry point calls the loops under names LLVM does not know ([`copy`], [`fill`]), and
//! their stores are volatile: LLVM turns a call to `memcpy` or `memset`, and a loop that copies
//! or fills, into its own copy, which the ARM back end lowers to `__aeabi_memcpy` and
//! `__aeabi_memclr`, and those forward here (an endless recursion).
#![allow(unsafe_code, reason = "the C memory functions the compiler calls, on raw pointers")]

/// Copies `n` bytes from `src` to `dest` (which do not overlap).
///
/// # Safety
/// The C contract: `src` readable and `dest` writable for `n` bytes, not overlapping.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the same contract.
    unsafe { copy(dest, src, n) };
    dest
}

/// [`memcpy`]'s loop.
///
/// # Safety
/// As [`memcpy`].
#[inline(never)]
unsafe fn copy(dest: *mut u8, src: *const u8, n: usize) {
    let mut i = 0;
    while i < n {
        // SAFETY: `i < n`, and the caller guarantees both ranges of `n` bytes.
        unsafe { dest.add(i).write_volatile(src.add(i).read()) };
        i += 1;
    }
}

/// Fills `n` bytes at `dest` with the low byte of `c`.
///
/// # Safety
/// The C contract: `dest` writable for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    // SAFETY: the same contract.
    unsafe { fill(dest, c, n) };
    dest
}

/// [`memset`]'s loop.
///
/// # Safety
/// As [`memset`].
#[inline(never)]
unsafe fn fill(dest: *mut u8, c: i32, n: usize) {
    let mut i = 0;
    while i < n {
        // SAFETY: `i < n`, and the caller guarantees the range of `n` bytes.
        unsafe { dest.add(i).write_volatile(c as u8) };
        i += 1;
    }
}

/// Compares `n` bytes: the difference of the first unequal pair, or 0.
///
/// # Safety
/// The C contract: both readable for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: `i < n`, and the caller guarantees both ranges of `n` bytes.
        let (x, y) = unsafe { (a.add(i).read(), b.add(i).read()) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// `bcmp` (equality only), as `memcmp`.
///
/// # Safety
/// As [`memcmp`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the same contract.
    unsafe { memcmp(a, b, n) }
}

macro_rules! copy_entries {
    ($($name:ident),*) => {$(
        /// The ARM EABI entry point: [`memcpy`].
        ///
        /// # Safety
        /// As [`memcpy`].
        #[unsafe(no_mangle)]
        pub unsafe extern "aapcs" fn $name(dest: *mut u8, src: *const u8, n: usize) {
            // SAFETY: the same contract.
            unsafe { copy(dest, src, n) };
        }
    )*};
}

macro_rules! clear_entries {
    ($($name:ident),*) => {$(
        /// The ARM EABI entry point: [`memset`] with 0.
        ///
        /// # Safety
        /// As [`memset`].
        #[unsafe(no_mangle)]
        pub unsafe extern "aapcs" fn $name(dest: *mut u8, n: usize) {
            // SAFETY: the same contract.
            unsafe { fill(dest, 0, n) };
        }
    )*};
}

macro_rules! set_entries {
    ($($name:ident),*) => {$(
        /// The ARM EABI entry point: [`memset`] (arguments in the EABI's order).
        ///
        /// # Safety
        /// As [`memset`].
        #[unsafe(no_mangle)]
        pub unsafe extern "aapcs" fn $name(dest: *mut u8, n: usize, c: i32) {
            // SAFETY: the same contract.
            unsafe { fill(dest, c, n) };
        }
    )*};
}

copy_entries!(__aeabi_memcpy, __aeabi_memcpy4, __aeabi_memcpy8);
clear_entries!(__aeabi_memclr, __aeabi_memclr4, __aeabi_memclr8);
set_entries!(__aeabi_memset, __aeabi_memset4, __aeabi_memset8);
