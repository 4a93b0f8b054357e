//! The firmware builds and their budgets: flash, static RAM and peak stack, from the ELF
//! section headers (read here, no binutils needed) and the stack high-water mark the firmware
//! reports in QEMU. The `qemu` module builds and runs the variants and hands the measurements
//! here (it depends on this module, not the other way round); `cargo xtask qemu` and
//! `cargo xtask size` print the table and check the budgets.

use crate::util::StepResult;
use std::path::Path;

/// One firmware build.
#[derive(Debug)]
pub(crate) struct Variant {
    /// Name in the table and the ELF's file name.
    pub(crate) name: &'static str,
    /// Build without the firmware's default features.
    pub(crate) no_default_features: bool,
    /// `--features` (comma-separated), or empty.
    pub(crate) features: &'static str,
    /// Needs the emulator (UART0 bridged to it).
    pub(crate) network: bool,
    /// Talks TLS to the emulator's HTTPS port (and is built with its CA).
    pub(crate) tls: bool,
    /// The budget: `cargo xtask qemu` and `cargo xtask size` fail past it.
    pub(crate) budget: Budget,
}

/// Byte limits of a build.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    /// `.vector_table` + `.text` + `.rodata` + `.data` (the flash image).
    pub(crate) flash: u64,
    /// Peak stack, measured in QEMU.
    pub(crate) stack: u64,
    /// `.data` + `.bss` + `.uninit`.
    pub(crate) static_ram: u64,
    /// Static RAM and peak stack together.
    pub(crate) ram: u64,
}

const KIB: u64 = 1024;

/// The four builds: verify-only (`cotter-jwt` alone), the same with the verification benchmark
/// (`bench`: p256's, the compact and the prepared back ends), the full client, and the full
/// client over TLS 1.3.
///
/// The budgets hold the SDK to what its constrained profile promises: it fits a small
/// microcontroller without a heap and leaves room for the application (the LM3S6965 that QEMU
/// emulates has 256 KiB of flash and 64 KiB of RAM). A change that grows a build past one
/// fails CI: the change pays for itself, or the commit that raises the budget says why. The
/// root README's embedded section has the measured figures.
pub(crate) const VARIANTS: &[Variant] = &[
    Variant {
        name: "verify-only",
        no_default_features: true,
        features: "",
        network: false,
        tls: false,
        // Issue 18's goals: 16 KiB of flash and 2 KiB of stack (the token's buffers and the
        // key set are statics, as a device's network buffer and provisioned keys would be).
        budget: Budget { flash: 16 * KIB, stack: 2 * KIB, static_ram: 2 * KIB, ram: 4 * KIB },
    },
    // Not a product: three back ends side by side and the generator's table in flash, to
    // count their instructions (`mcu_verify_instr_*`); its budget only catches growth.
    Variant {
        name: "verify-bench",
        no_default_features: true,
        features: "bench",
        network: false,
        tls: false,
        budget: Budget { flash: 80 * KIB, stack: 24 * KIB, static_ram: 12 * KIB, ram: 32 * KIB },
    },
    Variant {
        name: "full-client",
        no_default_features: false,
        features: "",
        network: true,
        tls: false,
        budget: Budget { flash: 96 * KIB, stack: 16 * KIB, static_ram: 24 * KIB, ram: 40 * KIB },
    },
    // The TLS build's RAM is held as a whole (issue 14): the 16.25 KiB receive buffer, and
    // its clients live on the stack rather than in statics (they borrow the TLS buffers).
    Variant {
        name: "full-client-tls",
        no_default_features: false,
        features: "tls",
        network: true,
        tls: true,
        budget: Budget { flash: 160 * KIB, stack: 60 * KIB, static_ram: 60 * KIB, ram: 60 * KIB },
    },
];

/// Section sizes of an ELF file.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Sections {
    pub(crate) vector_table: u64,
    pub(crate) text: u64,
    pub(crate) rodata: u64,
    pub(crate) data: u64,
    pub(crate) bss: u64,
    pub(crate) uninit: u64,
}

impl Sections {
    /// Reads the section headers of a 32-bit little-endian ELF file.
    pub(crate) fn read(path: &Path) -> Result<Self, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&bytes).ok_or_else(|| format!("{}: not a 32-bit LE ELF file", path.display()))
    }

    fn parse(elf: &[u8]) -> Option<Self> {
        if elf.get(..6)? != b"\x7fELF\x01\x01" {
            return None;
        }
        let u16_at = |at: usize| Some(u16::from_le_bytes(elf.get(at..at + 2)?.try_into().ok()?));
        let u32_at = |at: usize| Some(u32::from_le_bytes(elf.get(at..at + 4)?.try_into().ok()?));
        let shoff = u32_at(0x20)? as usize;
        let shentsize = usize::from(u16_at(0x2E)?);
        let shnum = usize::from(u16_at(0x30)?);
        let shstrndx = usize::from(u16_at(0x32)?);
        let header = |i: usize| shoff.checked_add(i.checked_mul(shentsize)?);
        let strtab = u32_at(header(shstrndx)? + 16)? as usize;
        let mut s = Self::default();
        for i in 0..shnum {
            let h = header(i)?;
            let name_at = strtab.checked_add(u32_at(h)? as usize)?;
            let name_len = elf.get(name_at..)?.iter().position(|&b| b == 0)?;
            let name = elf.get(name_at..name_at + name_len)?;
            let size = u64::from(u32_at(h + 20)?);
            match name {
                b".vector_table" => s.vector_table += size,
                b".text" => s.text += size,
                b".rodata" => s.rodata += size,
                b".data" => s.data += size,
                b".bss" => s.bss += size,
                b".uninit" => s.uninit += size,
                _ => {}
            }
        }
        Some(s)
    }

    /// Bytes of the flash image.
    pub(crate) const fn flash(&self) -> u64 {
        self.vector_table + self.text + self.rodata + self.data
    }

    /// Bytes of RAM taken by statics.
    pub(crate) const fn static_ram(&self) -> u64 {
        self.data + self.bss + self.uninit
    }
}

/// A variant as built and run.
pub(crate) struct Measured {
    pub(crate) variant: &'static Variant,
    pub(crate) sections: Sections,
    /// Peak stack in bytes, as the firmware reported it.
    pub(crate) stack: u64,
    /// Seconds the QEMU run took.
    pub(crate) seconds: f64,
    /// HTTP requests the firmware made (builds with network only).
    pub(crate) requests: Option<u64>,
    /// Instructions of the regions the firmware timed, by name, in the order printed.
    pub(crate) instructions: Vec<(String, u64)>,
}

/// Instruction budgets on the Cortex-M3 (issue 18), checked with the size budgets.
pub(crate) struct McuBudget {
    /// Prepared verification against p256's, at most.
    pub(crate) prepared_ratio: f64,
    /// Compact verification against p256's, at most.
    pub(crate) compact_ratio: f64,
    /// One TLS handshake (certificate chain and `CertificateVerify` checked), at most.
    pub(crate) handshake: u64,
    /// One refresh: handshake, request, two token verifications, flash save, at most.
    pub(crate) refresh: u64,
}

/// The instruction budgets.
pub(crate) const MCU_BUDGET: McuBudget = McuBudget {
    prepared_ratio: 0.25,
    compact_ratio: 1.0,
    handshake: 50_000_000,
    refresh: 80_000_000,
};

/// The instruction figures of a set of runs (verify-bench and full-client-tls).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mcu {
    pub(crate) p256: u64,
    pub(crate) compact: u64,
    pub(crate) prepared: u64,
    /// Building the key's table (provisioning), once.
    pub(crate) prepare: u64,
    /// The second boot's handshake (the first cannot check validity: no time yet).
    pub(crate) handshake: u64,
    /// Handshake + refresh on the open connection.
    pub(crate) refresh: u64,
    /// Handshake + the refresh after a reboot (which fetches the key set first).
    pub(crate) refresh_after_reboot: u64,
}

impl Mcu {
    /// The figures, from the runs that printed them.
    pub(crate) fn of(measured: &[Measured]) -> Result<Self, String> {
        let first = |name: &str| {
            measured
                .iter()
                .flat_map(|m| &m.instructions)
                .find(|(n, _)| n == name)
                .map(|(_, i)| *i)
                .ok_or_else(|| format!("no firmware run timed `{name}`"))
        };
        let last = |name: &str| {
            measured
                .iter()
                .flat_map(|m| &m.instructions)
                .rfind(|(n, _)| n == name)
                .map(|(_, i)| *i)
                .ok_or_else(|| format!("no firmware run timed `{name}`"))
        };
        let handshake = last("handshake")?;
        Ok(Self {
            p256: first("verify-p256")?,
            compact: first("verify-compact")?,
            prepared: first("verify-prepared")?,
            prepare: first("prepare")?,
            handshake,
            refresh: handshake + first("refresh")?,
            refresh_after_reboot: handshake + first("reboot-refresh")?,
        })
    }

    fn ratio(a: u64, b: u64) -> f64 {
        a as f64 / b.max(1) as f64
    }

    /// Compact against p256.
    pub(crate) fn compact_ratio(&self) -> f64 {
        Self::ratio(self.compact, self.p256)
    }

    /// Prepared against p256.
    pub(crate) fn prepared_ratio(&self) -> f64 {
        Self::ratio(self.prepared, self.p256)
    }

    /// Prints the `mcu_…=` lines (in this order, always last) and a note on the others.
    pub(crate) fn print(&self) {
        println!(
            "xtask qemu: the prepared key's table took {} instructions to build (once); a refresh \
             after a reboot (handshake, key set fetch, refresh) {}",
            self.prepare, self.refresh_after_reboot
        );
        println!("mcu_verify_instr_p256={}", self.p256);
        println!("mcu_verify_instr_compact={}", self.compact);
        println!("mcu_verify_instr_prepared={}", self.prepared);
        println!("mcu_compact_vs_p256_instr_ratio={:.3}", self.compact_ratio());
        println!("mcu_prepared_vs_p256_instr_ratio={:.3}", self.prepared_ratio());
        println!("mcu_tls_handshake_instr={}", self.handshake);
        println!("mcu_refresh_instr={}", self.refresh);
    }

    /// Fails when a figure is past [`MCU_BUDGET`].
    pub(crate) fn check(&self) -> StepResult {
        let b = &MCU_BUDGET;
        let mut over = Vec::new();
        if self.prepared_ratio() > b.prepared_ratio {
            over.push(format!(
                "prepared/p256 instructions {:.3} > {}",
                self.prepared_ratio(),
                b.prepared_ratio
            ));
        }
        if self.compact_ratio() > b.compact_ratio {
            over.push(format!(
                "compact/p256 instructions {:.3} > {}",
                self.compact_ratio(),
                b.compact_ratio
            ));
        }
        if self.handshake > b.handshake {
            over.push(format!("TLS handshake {} > {} instructions", self.handshake, b.handshake));
        }
        if self.refresh > b.refresh {
            over.push(format!("refresh {} > {} instructions", self.refresh, b.refresh));
        }
        if over.is_empty() { Ok(()) } else { Err(format!("over budget: {}", over.join(", "))) }
    }
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / KIB as f64)
}

/// The table (Markdown, so that it can go into the README as printed).
pub(crate) fn print_table(measured: &[Measured]) {
    println!();
    println!(
        "| build | .text | .rodata | .data | .bss | flash (budget) | static RAM (budget) | peak stack (budget) | RAM in all (budget) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for m in measured {
        let (s, b) = (&m.sections, &m.variant.budget);
        println!(
            "| {} | {} | {} | {} B | {} B | {} ({}) | {} ({}) | {} ({}) | {} ({}) |",
            m.variant.name,
            s.text,
            s.rodata,
            s.data,
            s.bss + s.uninit,
            kib(s.flash()),
            kib(b.flash),
            kib(s.static_ram()),
            kib(b.static_ram),
            kib(m.stack),
            kib(b.stack),
            kib(s.static_ram() + m.stack),
            kib(b.ram),
        );
    }
    println!();
    for m in measured {
        let requests = m.requests.map_or_else(String::new, |n| format!(" http_requests={n}"));
        println!(
            "size: {} flash={} static_ram={} stack={} qemu_seconds={:.1}{requests}",
            m.variant.name,
            m.sections.flash(),
            m.sections.static_ram(),
            m.stack,
            m.seconds,
        );
    }
}

/// Fails when a build is past its budget.
pub(crate) fn check_budgets(measured: &[Measured]) -> StepResult {
    let mut over = Vec::new();
    for m in measured {
        let (s, b) = (&m.sections, &m.variant.budget);
        let name = m.variant.name;
        if s.flash() > b.flash {
            over.push(format!("{name} flash {} > {}", s.flash(), b.flash));
        }
        if m.stack > b.stack {
            over.push(format!("{name} stack {} > {}", m.stack, b.stack));
        }
        if s.static_ram() > b.static_ram {
            over.push(format!("{name} static RAM {} > {}", s.static_ram(), b.static_ram));
        }
        if s.static_ram() + m.stack > b.ram {
            over.push(format!(
                "{name} static RAM + stack {} > {}",
                s.static_ram() + m.stack,
                b.ram
            ));
        }
    }
    if over.is_empty() { Ok(()) } else { Err(format!("over budget: {}", over.join(", "))) }
}
