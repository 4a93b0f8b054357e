//! Runs every committed seed, and every crash input kept as a regression, through its target's
//! checks with a plain `cargo test` (no libFuzzer, no nightly flags).

use std::fs;
use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 10] = [
    ("jwt_verify", cotter_fuzz::jwt::verify),
    ("jwt_claims", cotter_fuzz::jwt::claims),
    ("jwk_parse", cotter_fuzz::jwk::jwk),
    ("jwks_parse", cotter_fuzz::jwk::jwks),
    ("proto_decode", cotter_fuzz::proto_decode::run),
    ("redirect_query", cotter_fuzz::redirect_query::run),
    ("store_decode", cotter_fuzz::store_decode::run),
    ("http1_response", cotter_fuzz::http1_response::run),
    ("flash_ops", cotter_fuzz::flash_ops::run),
    ("es256_compact", cotter_fuzz::es256_compact::run),
];

#[test]
fn every_seed_and_regression_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, run) in TARGETS {
        let mut count = 0;
        for dir in ["seeds", "regressions"] {
            let Ok(entries) = fs::read_dir(root.join(dir).join(name)) else { continue };
            for entry in entries {
                let path = entry.expect("a directory entry").path();
                let data = fs::read(&path).expect("a readable seed");
                println!("{name}: {}", path.display());
                run(&data);
                count += 1;
            }
        }
        assert!(count > 0, "no seeds for {name}");
    }
}
