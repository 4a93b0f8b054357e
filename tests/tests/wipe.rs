//! A dropped client leaves no token behind in the memory it gave back: an allocator that looks
//! at a freed block before handing it to the system finds no refresh token in the client's
//! block. Wiping the session buffer alone is not enough: the response buffer holds the last
//! token answer in clear.

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use cotter::store::{MemoryStore, TokenStore};
use cotter::{Client, ManualClock};
use cotter_tests::{config, emulator, sign_in, transport};
use std::alloc::System;

/// Looks for `NEEDLE` in freed blocks of exactly `WATCH_SIZE` bytes.
struct Inspecting;

const NEEDLE_LEN: usize = 32;
static NEEDLE: [AtomicU64; NEEDLE_LEN / 8] = [const { AtomicU64::new(0) }; NEEDLE_LEN / 8];
static WATCH_SIZE: AtomicUsize = AtomicUsize::new(0);
static WATCHED_FREES: AtomicU64 = AtomicU64::new(0);
static FOUND: AtomicBool = AtomicBool::new(false);

fn needle() -> [u8; NEEDLE_LEN] {
    let mut out = [0u8; NEEDLE_LEN];
    for (chunk, word) in out.chunks_mut(8).zip(&NEEDLE) {
        chunk.copy_from_slice(&word.load(Ordering::SeqCst).to_le_bytes());
    }
    out
}

// SAFETY: every call is forwarded unchanged to the system allocator; `dealloc` first reads the
// block it is given, which is valid for `layout.size()` bytes until it is freed.
#[allow(unsafe_code, reason = "a GlobalAlloc impl is unsafe by definition")]
unsafe impl GlobalAlloc for Inspecting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() == WATCH_SIZE.load(Ordering::SeqCst) {
            WATCHED_FREES.fetch_add(1, Ordering::SeqCst);
            // SAFETY: the block is live and `layout.size()` bytes long until freed below.
            let block = unsafe { core::slice::from_raw_parts(ptr, layout.size()) };
            let needle = needle();
            if block.windows(NEEDLE_LEN).any(|w| w == needle) {
                FOUND.store(true, Ordering::SeqCst);
            }
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Inspecting = Inspecting;

#[test]
fn a_dropped_client_leaves_no_token_in_freed_memory() {
    let emu = emulator(cotter_emulator::Config::new());
    let clock = ManualClock::new(emu.now());
    type Boxed<'c> =
        Client<'c, cotter::transport::UreqTransport, MemoryStore<8192>, &'c ManualClock>;
    let mut c: Box<Boxed<'_>> = Box::new(
        Client::new(config(&emu), transport(), MemoryStore::new(), &clock).expect("client"),
    );
    sign_in(&mut c, "drop@example.com").expect("sign-in");
    c.refresh().expect("refresh: the work buffer now holds the refresh answer");
    let mut buf = vec![0u8; 8192];
    let refresh =
        c.store_mut().load(&mut buf).expect("load").expect("session").refresh_token.to_owned();
    // The store inside the client holds the session too (as it should while signed in): take
    // it out of the picture so that only the client's own buffers are inspected.
    c.store_mut().clear().expect("clear the store");
    assert!(refresh.len() >= NEEDLE_LEN);
    for (word, chunk) in
        NEEDLE.iter().zip(refresh.as_bytes()[refresh.len() - NEEDLE_LEN..].chunks(8))
    {
        word.store(u64::from_le_bytes(chunk.try_into().expect("8 bytes")), Ordering::SeqCst);
    }
    WATCH_SIZE.store(core::mem::size_of::<Boxed<'_>>(), Ordering::SeqCst);
    drop(c);
    WATCH_SIZE.store(0, Ordering::SeqCst);
    assert!(
        WATCHED_FREES.load(Ordering::SeqCst) >= 1,
        "the client's block was freed and inspected"
    );
    assert!(!FOUND.load(Ordering::SeqCst), "the refresh token survived in the dropped client");
}
