//! A counting allocator shows that a cached `access_token()` allocates nothing.

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicU64, Ordering};
use cotter::store::MemoryStore;
use cotter::transport::UreqTransport;
use cotter::{Client, Clock, Config, LoginKind, OsRandom};
use cotter_emulator::{Emulator, browser};
use std::alloc::System;

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
#[allow(unsafe_code, reason = "a GlobalAlloc impl is unsafe by definition; it only delegates")]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

struct FixedClock(u64);

impl Clock for FixedClock {
    fn now(&self) -> Option<u64> {
        Some(self.0)
    }
}

#[test]
fn cached_access_token_allocates_nothing() {
    let emu = Emulator::start(cotter_emulator::Config::new().with_log_outbox(false)).expect("emu");
    let (api, page) = (emu.api_base(), emu.hosted_page_url());
    let config = Config::new("cotter-dev-api-key").base_url(&api).hosted_page_url(&page);
    let mut c: Client<'_, _, _, _> = Client::new(
        config,
        UreqTransport::new(),
        MemoryStore::<8192>::new(),
        FixedClock(emu.now()),
    )
    .expect("client");
    let (url, pending) = c
        .begin_login(
            LoginKind::EmailOtp,
            Some("ivy@example.com"),
            "http://127.0.0.1:9/cb",
            &mut OsRandom,
        )
        .expect("begin");
    let redirect = browser::complete_login(&url, "ivy@example.com").expect("user");
    c.complete_login(&pending, &redirect).expect("login");
    c.access_token().expect("warm");
    let before = ALLOCS.load(Ordering::SeqCst);
    let mut total = 0;
    for _ in 0..10_000 {
        total += c.access_token().expect("cached").len();
    }
    let after = ALLOCS.load(Ordering::SeqCst);
    assert!(total > 0);
    // Other threads (the emulator's workers) are idle; any allocation here is the client's.
    assert_eq!(after - before, 0, "cached access_token() allocated");
}
