//! Disk full under the history (daemon/src/core/history.rs, core/checkin.rs over sonora-store):
//! the data folder sits on a 1 MiB tmpfs that the test fills to the last byte. Check-ins are
//! still read and sessions still play, the person is told plainly that nothing was stored and
//! why, nothing stored before is lost, and once there is room again the history records as
//! before, without a restart. Mounting needs root: CI runs as root; elsewhere the test uses
//! `sudo -n`, as tests/run does for its packages.

use sonora_tests::{Daemon, Env, speak, wait_until};
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// `program` run as root: directly when we are root, else through `sudo -n`.
fn as_root(program: &str) -> Command {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        Command::new(program)
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", program]);
        c
    }
}

/// Unmounts on the way out, also when an assertion fails.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = as_root("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes `path` until the file system refuses (ENOSPC); returns the bytes written.
fn fill(path: &std::path::Path) -> usize {
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0x55u8; 4096];
    let mut written = 0;
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(n) => written += n,
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "filling stopped for another reason: {e}");
                break;
            }
        }
    }
    let _ = f.sync_all();
    written
}

#[test]
fn a_full_disk_loses_nothing_and_says_so() {
    let env = Env::new();
    let dir = env.data.join("sonora");
    std::fs::create_dir_all(&dir).unwrap();
    // SAFETY: getuid/getgid have no preconditions.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let st = as_root("mount")
        .args(["-t", "tmpfs", "-o", &format!("size=1m,mode=0700,uid={uid},gid={gid}"), "sonora-test-full"])
        .arg(&dir)
        .status()
        .expect("run mount");
    assert!(st.success(), "this test mounts a 1 MiB tmpfs: it needs root, or sudo without a password");
    let _mounted = Mounted(dir.clone());

    let d = Daemon::start_in(env);
    let wav = d.env.root.join("v.wav");
    speak("The rainbow is a division of white light into many beautiful colors.", &wav, &[]);
    let file = wav.to_str().unwrap();
    let first = d.ctl_json(&["checkin", "--file", file]);
    assert!(first["checkin_id"].is_i64(), "stored while there is room: {first}");

    let filled = fill(&dir.join("filler"));
    assert!(filled > 0, "the test file system should have had room left");

    // Full: the check-in is still read and shown, with a plain word that it was not stored.
    let second = d.ctl_json(&["checkin", "--file", file]);
    assert!(second["checkin_id"].is_null(), "nothing can be stored on a full disk: {second}");
    let summary = second["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("Not stored"), "the summary says so: {summary}");
    assert!(summary.contains("full"), "and why: {summary}");
    assert!(second["markers"].is_object(), "the reading itself is still there: {second}");

    // Sessions still play; the log names the cause.
    let st = d.ctl_json(&["start", "calm"]);
    assert_eq!(st["state"], "playing", "{st}");
    assert_eq!(d.ctl_json(&["stop"])["state"], "fading");
    let log = wait_until(Duration::from_secs(5), || {
        let log = d.log_text();
        log.contains("could not record the session").then_some(log)
    })
    .expect("the log says the session could not be recorded");
    assert!(log.contains("full"), "the log gives the cause: {log}");
    assert!(d.ctl_json(&["status"])["state"].is_string(), "still answering");

    // Room again: recording resumes by itself, and what was stored before is all there.
    std::fs::remove_file(dir.join("filler")).unwrap();
    let third = d.ctl_json(&["checkin", "--file", file]);
    assert!(third["checkin_id"].is_i64(), "stored again once there is room: {third}");
    let rows = d.ctl_json(&["history"]);
    let ids: Vec<i64> = rows.as_array().unwrap().iter().filter_map(|r| r["id"].as_i64()).collect();
    assert!(ids.contains(&first["checkin_id"].as_i64().unwrap()), "the first check-in survived: {rows}");
    assert!(ids.contains(&third["checkin_id"].as_i64().unwrap()), "{rows}");
    assert_eq!(ids.len(), 2, "the one taken while full was not half-written: {rows}");
}
