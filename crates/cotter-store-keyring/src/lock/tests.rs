//! The lock file's location rule and name escaping.

use super::*;
use proptest::prelude::*;
use std::collections::HashMap;
use std::path::Component;

/// `default_dir` over a fixed set of variables.
fn dir_with(vars: &[(&str, &str)]) -> Option<PathBuf> {
    let vars: HashMap<String, OsString> =
        vars.iter().map(|(k, v)| ((*k).to_owned(), OsString::from(v))).collect();
    default_dir(|name| vars.get(name).cloned())
}

/// Undoes [`escape`] for the `<service>+<user>` stem of a name that was not cut.
fn unescape(stem: &str) -> (String, String) {
    let (service, user) = stem.split_once('+').expect("one separator");
    let decode = |s: &str| {
        let mut out = Vec::new();
        let mut bytes = s.bytes();
        while let Some(b) = bytes.next() {
            if b == b'%' {
                let hex: String = bytes.by_ref().take(2).map(char::from).collect();
                out.push(u8::from_str_radix(&hex, 16).expect("hex"));
            } else {
                out.push(b);
            }
        }
        String::from_utf8(out).expect("utf-8")
    };
    (decode(service), decode(user))
}

/// Everything a lock file name must be, whatever the service and user.
fn assert_safe(name: &str) {
    assert!(name.starts_with("keyring-") && name.ends_with(".lock"), "{name}");
    assert!(name.len() <= 8 + MAX_STEM + 5, "{name}");
    assert!(name.bytes().all(|b| kept(b) || b".%+~".contains(&b)), "unexpected byte in {name}");
    assert!(!name.contains(".."), "{name}");
    let dir = Path::new("/run/user/1000/cotter-rs");
    let path = dir.join(name);
    assert_eq!(path.parent(), Some(dir), "{name}");
    assert!(matches!(path.components().next_back(), Some(Component::Normal(_))), "{name}");
}

#[test]
fn names_keep_plain_names_readable() {
    assert_eq!(file_name("com.example.app", "alice"), "keyring-com.example.app+alice.lock");
    assert_eq!(
        file_name("com.example.app", "alice@example.com"),
        "keyring-com.example.app+alice%40example.com.lock"
    );
}

#[test]
fn names_escape_separators_and_dots() {
    assert_eq!(
        file_name("..", "../../etc/passwd"),
        "keyring-%2E%2E+%2E%2E%2F%2E%2E%2Fetc%2Fpasswd.lock"
    );
    assert_eq!(file_name("a\\b", "c:d"), "keyring-a%5Cb+c%3Ad.lock");
    assert_eq!(file_name(".hidden", "trailing."), "keyring-%2Ehidden+trailing%2E.lock");
    assert_eq!(file_name("a..b", ""), "keyring-a%2E%2Eb+.lock");
    // `+` and `%` in the parts are escaped, so the split stays unambiguous.
    assert_ne!(file_name("a+b", "c"), file_name("a", "b+c"));
    assert_eq!(file_name("a+b", "%"), "keyring-a%2Bb+%25.lock");
    assert_eq!(file_name("é", "x"), "keyring-%C3%A9+x.lock");
    for (s, u) in [("..", ".."), (".", "."), ("/", "/"), ("", ""), ("a/../b", "\0")] {
        assert_safe(&file_name(s, u));
    }
}

#[test]
fn long_names_are_cut_and_keep_a_checksum() {
    let long = "x".repeat(300);
    let a = file_name(&long, "alice");
    let b = file_name(&long, "bob");
    assert_safe(&a);
    assert_ne!(a, b, "the checksum covers the whole name");
    assert!(a.contains('~'), "{a}");
    let fits = "y".repeat(MAX_STEM - 1 - 5);
    assert!(!file_name(&fits, "alice").contains('~'));
    assert!(file_name(&fits, "alice!").contains('~'));
}

proptest! {
    #[test]
    fn any_names_are_one_safe_component(service in any::<String>(), user in any::<String>()) {
        let name = file_name(&service, &user);
        assert_safe(&name);
        let stem = &name["keyring-".len()..name.len() - ".lock".len()];
        if !stem.contains('~') {
            prop_assert_eq!(unescape(stem), (service, user));
        }
    }

    #[test]
    fn dotted_names_are_one_safe_component(
        service in "[a./\\\\%+]{0,12}",
        user in "[.b/]{0,12}",
    ) {
        let name = file_name(&service, &user);
        assert_safe(&name);
        prop_assert_eq!(unescape(&name[8..name.len() - 5]), (service, user));
    }
}

#[test]
fn runtime_dir_comes_first() {
    let dir = if cfg!(windows) { r"C:\run" } else { "/run/user/1000" };
    let got = dir_with(&[("XDG_RUNTIME_DIR", dir), ("HOME", "/home/a"), ("LOCALAPPDATA", r"C:\l")]);
    assert_eq!(got, Some(Path::new(dir).join("cotter-rs")));
}

#[test]
fn unset_empty_or_relative_variables_do_not_count() {
    assert_eq!(dir_with(&[]), None);
    assert_eq!(dir_with(&[("XDG_RUNTIME_DIR", ""), ("HOME", ""), ("LOCALAPPDATA", "")]), None);
    assert_eq!(
        dir_with(&[("XDG_RUNTIME_DIR", "run"), ("HOME", "home"), ("LOCALAPPDATA", "l")]),
        None
    );
}

#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn cache_dir_on_linux_and_bsd() {
    let cache = dir_with(&[("XDG_RUNTIME_DIR", "rel"), ("XDG_CACHE_HOME", "/c"), ("HOME", "/h")]);
    assert_eq!(cache, Some(PathBuf::from("/c/cotter-rs")));
    let home = dir_with(&[("XDG_CACHE_HOME", "c"), ("HOME", "/h")]);
    assert_eq!(home, Some(PathBuf::from("/h/.cache/cotter-rs")));
}

#[cfg(target_os = "macos")]
#[test]
fn cache_dir_on_macos() {
    let got = dir_with(&[("XDG_CACHE_HOME", "/c"), ("HOME", "/Users/a")]);
    assert_eq!(got, Some(PathBuf::from("/Users/a/Library/Caches/cotter-rs")));
}

#[cfg(windows)]
#[test]
fn cache_dir_on_windows() {
    let got = dir_with(&[("HOME", r"C:\Users\a"), ("LOCALAPPDATA", r"C:\Users\a\AppData\Local")]);
    assert_eq!(got, Some(PathBuf::from(r"C:\Users\a\AppData\Local\cotter-rs")));
}
