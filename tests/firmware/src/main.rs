//! Cotter on a Cortex-M3: the firmware `cargo xtask qemu` runs in QEMU's `lm3s6965evb` board.
//!
//! It exits 0 (semihosting `debug::exit`) only when every check passes, 1 on the first failure
//! or panic. What it checks depends on the `client` feature (on by default):
//!
//! - always: `cotter-jwt` verifies the real Cotter token of August 2020 and rejects a tampered
//!   copy ([`verify`]);
//! - `client`: `cotter-store-flash` on a RAM-backed NOR flash with power cuts ([`flash`]), and the
//!   `cotter` client in its `no_std` form talking HTTP/1.1 over UART0 to the Cotter emulator on
//!   the host ([`client`]): sign-in, session in flash, refresh after the emulator's clock moved,
//!   reboot, logout;
//! - `bench`: instructions of one ES256 verification with each of `cotter-jwt`'s back ends,
//!   counted in QEMU ([`bench`], [`meter`]; the TLS build times its handshakes and refreshes).
//!
//! Last, it reports the stack's high-water mark ([`stack`]). Every result is one line on the
//! semihosting console; `cargo xtask qemu` reads the `key=value` ones.
//!
//! No heap: there is no global allocator, and `alloc` is not in the dependency graph (checked by
//! `cargo xtask qemu`).

#![no_std]
#![no_main]

#[cfg(feature = "bench")]
mod bench;
#[cfg(feature = "client")]
mod board;
#[cfg(feature = "client")]
mod client;
mod console;
#[cfg(feature = "client")]
mod flash;
// Only in the verify-only build: the others keep compiler-builtins' faster copies.
#[cfg(not(any(feature = "client", feature = "bench")))]
mod mem;
#[cfg(any(feature = "bench", feature = "tls"))]
mod meter;
#[cfg(feature = "client")]
mod ram_flash;
mod report;
mod stack;
#[cfg(feature = "tls")]
mod tls;
#[cfg(feature = "client")]
mod uart;
mod verify;

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
// The board's interrupt vector (cortex-m-rt's `device` feature takes it from here).
use lm3s6965 as _;
use report::Failure;

#[entry]
fn main() -> ! {
    let result = run();
    let peak = stack::peak();
    console::value("stack-peak-bytes", peak.bytes as u32);
    console::value("stack-size-bytes", peak.size as u32);
    match result {
        Ok(()) => {
            console::line(&["firmware: all checks passed"]);
            debug::exit(debug::EXIT_SUCCESS);
        }
        Err(failure) => {
            failure.print();
            debug::exit(debug::EXIT_FAILURE);
        }
    }
    // `exit` returns only when no debugger or QEMU is attached.
    loop {
        cortex_m::asm::wfi();
    }
}

/// Every check in order; the first failure stops the run.
fn run() -> Result<(), Failure> {
    console::line(&[
        "firmware: ",
        if cfg!(feature = "tls") {
            "full client + TLS"
        } else if cfg!(feature = "bench") {
            "verify-only + bench"
        } else if cfg!(feature = "client") {
            "full client"
        } else {
            "verify-only"
        },
    ]);
    stack::phase("verify", verify::run)?;
    #[cfg(feature = "bench")]
    stack::phase("bench", bench::run)?;
    #[cfg(feature = "client")]
    {
        stack::phase("flash", flash::run)?;
        #[cfg(feature = "tls")]
        stack::phase("tls-cert", tls::check_certificates)?;
        stack::phase("client", client::run)?;
    }
    Ok(())
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    // Only the location: formatting the message would link `core::fmt` and the `Debug` code of
    // every type a library might panic about (several KiB of flash).
    match info.location() {
        Some(at) => {
            let line = console::Decimal::new(at.line());
            console::line(&["firmware: PANIC at ", at.file(), ":", line.as_str()]);
        }
        None => console::line(&["firmware: PANIC"]),
    }
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
