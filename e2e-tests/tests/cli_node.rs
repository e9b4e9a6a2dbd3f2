//! The `gb-deploy` binary on a real node (the in-process cases are gb-deploy's own
//! tests/cli.rs, including the unreachable-node error, which needs no node).
//!
//! Behind the `e2e-tests` feature; needs a running node at `CONTRACTS_NODE_URL` (each
//! test prints a line and passes without one) and the binary: `GB_DEPLOY_BIN`, else
//! `gb-deploy` next to this test's target directory (`cargo build -p gb-deploy` first).
//! `bash scripts/node-tests.sh` sets both.
#![cfg(feature = "e2e-tests")]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The node's URL, or `None` (and a line saying the test is skipped).
fn node_url(test: &str) -> Option<String> {
    match std::env::var("CONTRACTS_NODE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            println!(
                "{test}: skipped, CONTRACTS_NODE_URL is not set (no node to run gb-deploy on)"
            );
            None
        }
    }
}

/// The gb-deploy binary: `$GB_DEPLOY_BIN`, else `<target>/debug/gb-deploy` (this test
/// runs from `<target>/debug/deps/`).
fn binary() -> PathBuf {
    let path = std::env::var_os("GB_DEPLOY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let exe = std::env::current_exe().expect("the test's path");
            let debug = exe.parent().and_then(Path::parent).expect("target/debug");
            debug.join(format!("gb-deploy{}", std::env::consts::EXE_SUFFIX))
        });
    assert!(
        path.is_file(),
        "no gb-deploy binary at {}: `cargo build --manifest-path offchain/Cargo.toml -p gb-deploy`, or set GB_DEPLOY_BIN",
        path.display()
    );
    path
}

fn gb_deploy(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .env_remove("GB_SURI")
        .output()
        .expect("run gb-deploy")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn succeeded(o: &Output) -> String {
    assert!(o.status.success(), "failed: {}\n{}", stderr(o), stdout(o));
    stdout(o)
}

/// Runs gb-deploy, which must fail with an error containing `want` and exit `code`.
fn fails_with(args: &[&str], want: &str, code: i32) {
    let o = gb_deploy(args);
    let text = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "gb-deploy {args:?}: {text}");
    assert!(text.contains(want), "gb-deploy {args:?}: {text}");
    println!(
        "as expected: {}",
        text.lines().find(|l| l.contains(want)).unwrap_or("")
    );
}

fn registry_address(file: &Path) -> String {
    let d: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    d["contracts"]["registry"]["address"]
        .as_str()
        .expect("registry address")
        .to_string()
}

#[test]
fn demo_twice_with_one_deployment_file_reuses_it_and_leaves_it_unchanged() {
    let Some(url) = node_url("demo_twice_with_one_deployment_file") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deployment.json");
    let f = file.to_str().unwrap();

    let run1 = succeeded(&gb_deploy(&["demo", "--url", &url, "--deployment", f]));
    assert!(run1.lines().any(|l| l.starts_with("summary: ")), "{run1}");
    assert!(
        run1.contains(&format!("deployment file written to {f}")),
        "{run1}"
    );
    let first = std::fs::read(&file).unwrap();
    let text = String::from_utf8_lossy(&first);
    assert!(text.contains("\"genesis_hash\": \"0x"), "{text}");
    assert!(
        text.lines().any(|l| l
            .trim()
            .strip_prefix("\"block\": ")
            .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))),
        "every contract's block is recorded: {text}"
    );

    // Again with the same file: verified and reused, the file stays byte for byte.
    let run2 = succeeded(&gb_deploy(&["demo", "--url", &url, "--deployment", f]));
    assert!(run2.contains("reusing the deployment"), "{run2}");
    assert!(run2.lines().any(|l| l.starts_with("summary: ")), "{run2}");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        first,
        "the reused deployment file changed"
    );
    let registry = registry_address(&file);
    assert!(
        run2.contains(&format!("registry {registry}")),
        "the second run used the same registry {registry}: {run2}"
    );
}

#[test]
fn demo_refuses_a_stale_deployment_file() {
    let Some(url) = node_url("demo_refuses_a_stale_deployment_file") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deployment.json");
    succeeded(&gb_deploy(&[
        "deploy",
        "-x",
        "--url",
        &url,
        "--deployment",
        file.to_str().unwrap(),
    ]));
    // The registry address holds no contract (as after a dev chain restarted).
    let mut d: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    d["contracts"]["registry"]["address"] =
        Value::from("5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM");
    let stale = dir.path().join("stale.json");
    std::fs::write(&stale, serde_json::to_string_pretty(&d).unwrap()).unwrap();
    fails_with(
        &[
            "demo",
            "--url",
            &url,
            "--deployment",
            stale.to_str().unwrap(),
        ],
        "has no contract there",
        3,
    );
}

#[test]
fn demo_with_an_account_without_funds_says_insufficient_funds() {
    let Some(url) = node_url("demo_with_an_account_without_funds") else {
        return;
    };
    fails_with(
        &["demo", "--url", &url, "--suri", "//Nobody"],
        "insufficient funds",
        1,
    );
}

#[test]
fn demo_with_a_bad_suri_names_the_option() {
    let Some(url) = node_url("demo_with_a_bad_suri_names_the_option") else {
        return;
    };
    fails_with(
        &["demo", "--url", &url, "--suri", "not a uri"],
        "--suri:",
        1,
    );
}
