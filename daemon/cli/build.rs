//! Puts the version, with the git commit when built from a checkout, in `SONORA_VERSION_LONG`
//! (`sonorad --version`, `sonoractl --version` and `sonoractl version` print it).
//!
//! The commit comes from `SONORA_GIT_COMMIT` when set (a packager building from a tarball can pass
//! it), else from `git rev-parse` when this workspace is itself a git checkout. A tarball without
//! `.git` (or unpacked inside some other repository) builds with the plain version.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}

fn main() {
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!("cargo:rerun-if-env-changed=SONORA_GIT_COMMIT");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // daemon/cli -> the workspace root
    let workspace = manifest.ancestors().nth(2).map(Path::to_path_buf).unwrap_or(manifest);
    let commit = std::env::var("SONORA_GIT_COMMIT").ok().filter(|c| !c.is_empty()).or_else(|| {
        let top = git(&workspace, &["rev-parse", "--show-toplevel"])?;
        let same = std::fs::canonicalize(&top).ok()? == std::fs::canonicalize(&workspace).ok()?;
        if !same {
            return None;
        }
        // Rebuild when HEAD moves: a new commit, a checkout, or refs packed or written anew (a
        // folder is watched as a whole: a branch's first loose ref after `git gc` counts too).
        for p in ["HEAD", "packed-refs", "refs/heads"] {
            if let Some(path) = git(&workspace, &["rev-parse", "--git-path", p]) {
                let path = workspace.join(path);
                if path.exists() {
                    println!("cargo:rerun-if-changed={}", path.display());
                }
            }
        }
        if let Some(reference) = git(&workspace, &["symbolic-ref", "-q", "HEAD"])
            && let Some(path) = git(&workspace, &["rev-parse", "--git-path", &reference])
        {
            let path = workspace.join(path);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        git(&workspace, &["rev-parse", "--short=12", "HEAD"])
    });
    let long = match commit {
        Some(c) => format!("{version} (git {c})"),
        None => version,
    };
    println!("cargo:rustc-env=SONORA_VERSION_LONG={long}");
}
