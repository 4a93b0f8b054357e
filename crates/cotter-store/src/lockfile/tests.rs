//! Unit tests of the lock file and the checked open. The file store's tests
//! (`crates/cotter-store-file/tests/`) cover them again through a real store and across
//! processes.

use super::*;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::format;
use std::string::ToString;
use std::sync::mpsc;
use std::thread;

/// A fresh 0700 directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir()
            .join(format!("cotter-store-lockfile-{tag}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        let mut builder = fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path).expect("create temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn refusal(e: &io::Error) -> Option<Refusal> {
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
    Refusal::from_io_error(e)
}

#[test]
fn exclusive_creates_a_private_file_and_shared_never_creates_one() {
    let tmp = TempDir::new("create");
    let path = tmp.0.join("l");
    assert!(LockFile::shared(&path).expect("shared").is_none());
    assert!(!path.exists(), "a shared lock created the file");
    drop(LockFile::exclusive(&path).expect("exclusive"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o7777, 0o600);
    }
    assert!(LockFile::shared(&path).expect("shared").is_some());
    // Taking it again after the drop works: the lock was released.
    drop(LockFile::exclusive(&path).expect("exclusive again"));
}

#[test]
fn exclusive_waits_for_every_other_holder_until_drop() {
    let tmp = TempDir::new("wait");
    let path = tmp.0.join("l");
    for first_shared in [false, true] {
        let held = if first_shared {
            drop(LockFile::exclusive(&path).expect("create"));
            LockFile::shared(&path).expect("shared").expect("exists")
        } else {
            LockFile::exclusive(&path).expect("exclusive")
        };
        let (tx, rx) = mpsc::channel();
        let p = path.clone();
        let waiter = thread::spawn(move || {
            let lock = LockFile::exclusive(&p).expect("second exclusive");
            tx.send(()).expect("send");
            drop(lock);
        });
        assert!(
            rx.recv_timeout(Duration::from_millis(300)).is_err(),
            "a second exclusive lock did not wait (first shared: {first_shared})"
        );
        drop(held);
        rx.recv_timeout(Duration::from_secs(30)).expect("waiter got the lock after the drop");
        waiter.join().expect("waiter");
    }
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_is_refused_and_its_target_untouched() {
    let tmp = TempDir::new("symlink");
    let target = tmp.0.join("target");
    let link = tmp.0.join("l");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    // Dangling: following it would create the target.
    let err = LockFile::exclusive(&link).expect_err("dangling link");
    assert_eq!(refusal(&err), Some(Refusal::Symlink));
    assert!(err.to_string().contains(&*link.to_string_lossy()), "{err}");
    assert!(!target.exists(), "the link was followed");
    // To an existing file: the shared lock and an exclusive create refuse it as well.
    fs::write(&target, b"x").expect("write");
    let err = LockFile::shared(&link).expect_err("link to a file");
    assert_eq!(refusal(&err), Some(Refusal::Symlink));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    let err = open_checked(&link, &options).expect_err("create_new over a link");
    assert_eq!(refusal(&err), Some(Refusal::Symlink));
    assert_eq!(fs::read(&target).expect("read"), b"x");
}

#[test]
fn anything_but_a_regular_file_is_refused() {
    let tmp = TempDir::new("notfile");
    let path = tmp.0.join("l");
    fs::create_dir(&path).expect("mkdir");
    let err = LockFile::shared(&path).expect_err("a directory");
    assert_eq!(refusal(&err), Some(Refusal::NotRegularFile));

    // A FIFO would block a plain open for reading until a writer came: it is refused at once.
    #[cfg(unix)]
    {
        let fifo = tmp.0.join("fifo");
        match std::process::Command::new("mkfifo").arg(&fifo).status() {
            Ok(status) if status.success() => {
                let err = LockFile::shared(&fifo).expect_err("a FIFO");
                assert_eq!(refusal(&err), Some(Refusal::NotRegularFile));
            }
            _ => std::eprintln!("no mkfifo: FIFO case not run"),
        }
    }
}

#[cfg(unix)]
#[test]
fn another_users_file_is_refused() {
    let tmp = TempDir::new("owner");
    let path = tmp.0.join("l");
    fs::write(&path, b"").expect("write");
    let euid = rustix::process::geteuid().as_raw();
    // `nobody`, or another uid when that is us.
    let other = if euid == 65534 { 65533 } else { 65534 };
    if std::os::unix::fs::chown(&path, Some(other), None).is_err() {
        std::eprintln!("not privileged: cannot chown, owner case not run");
        return;
    }
    let err = LockFile::exclusive(&path).expect_err("someone else's file");
    assert_eq!(refusal(&err), Some(Refusal::Owner { owner: other, euid }));
    assert!(err.to_string().contains(&format!("owned by uid {other},")), "{err}");
}

#[test]
fn check_dir_wants_a_private_directory() {
    let tmp = TempDir::new("dir");
    check_dir(&tmp.0).expect("a 0700 directory of our own");
    let missing = check_dir(&tmp.0.join("missing")).expect_err("missing");
    assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    assert_eq!(Refusal::from_io_error(&missing), None);
    let file = tmp.0.join("f");
    fs::write(&file, b"").expect("write");
    assert_eq!(refusal(&check_dir(&file).expect_err("a file")), Some(Refusal::NotDirectory));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for mode in [0o720, 0o702, 0o777, 0o1777] {
            fs::set_permissions(&tmp.0, fs::Permissions::from_mode(mode)).expect("chmod");
            let err = check_dir(&tmp.0).expect_err("writable by others");
            assert!(
                matches!(refusal(&err), Some(Refusal::Writable { mode: m }) if m & 0o7777 == mode),
                "{mode:o}: {err}"
            );
        }
        fs::set_permissions(&tmp.0, fs::Permissions::from_mode(0o755)).expect("chmod");
        check_dir(&tmp.0).expect("readable by others is fine");
        assert_eq!(
            Refusal::Writable { mode: 0o40777 }.to_string(),
            "is writable by its group or others (mode 0777)"
        );
    }
}
