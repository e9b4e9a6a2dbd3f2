//! The `gb-deploy` command line, run as a process on the in-process chain (the node
//! cases are in e2e-tests/tests/cli_node.rs, feature `e2e-tests`). Needs the contract
//! bundles (`GB_BUNDLES_DIR`, as `scripts/test.sh` sets it).

use serde_json::Value;
use std::process::{Command, Output};

fn gb_deploy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gb-deploy"))
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

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "failed: {}\n{}", stderr(o), stdout(o));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

#[test]
fn help_lists_the_subcommands_and_each_has_its_own() {
    let o = gb_deploy(&["--help"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for cmd in ["deploy", "verify", "demo"] {
        assert!(text.contains(cmd), "{text}");
        let sub = gb_deploy(&[cmd, "--help"]);
        assert!(sub.status.success(), "{cmd} --help: {}", stderr(&sub));
        let sub = stdout(&sub);
        for opt in ["--url", "--suri", "--output-json"] {
            assert!(sub.contains(opt), "{cmd} --help lacks {opt}: {sub}");
        }
    }
    assert!(stdout(&gb_deploy(&["deploy", "--help"])).contains("--execute"));
}

#[test]
fn a_wrong_command_line_exits_2() {
    assert_eq!(
        gb_deploy(&["deploy", "--fee-bps", "5000"]).status.code(),
        Some(2)
    );
    assert_eq!(gb_deploy(&["launch"]).status.code(), Some(2));
}

#[test]
fn deploy_is_a_dry_run_unless_execute() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deployment.json");
    let p = path.to_str().unwrap();
    let plan = json(&gb_deploy(&["deploy", "--deployment", p, "--output-json"]));
    assert_eq!(plan["dry_run"], true);
    let contracts = plan["contracts"].as_array().unwrap();
    assert_eq!(contracts.len(), 3);
    assert!(contracts
        .iter()
        .all(|c| c["cost"]["ref_time"].as_u64() > Some(0)));
    assert!(!path.exists(), "a dry run writes nothing");

    let done = json(&gb_deploy(&[
        "deploy",
        "-x",
        "--deployment",
        p,
        "--output-json",
    ]));
    assert_eq!(done["dry_run"], false);
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(file, done["deployment"]);
    assert_eq!(file["fee_bps"], 100);
    for name in ["registry", "reputation", "escrow"] {
        assert!(file["contracts"][name]["code_hash"]
            .as_str()
            .unwrap()
            .starts_with("0x"));
    }

    // The file is never overwritten.
    let again = gb_deploy(&["deploy", "-x", "--deployment", p]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    // The in-process chain does not persist: its deployment is stale at once.
    let stale = gb_deploy(&["verify", "--deployment", p]);
    assert_eq!(stale.status.code(), Some(3), "{}", stderr(&stale));
    assert!(
        stderr(&stale).contains("but this chain has no contract there (a dev chain restarted?)"),
        "{}",
        stderr(&stale)
    );
}

#[test]
fn demo_reports_every_step_and_balanced_books_as_json() {
    let report = json(&gb_deploy(&["demo", "--output-json", "--fee-bps", "100"]));
    let steps = report["steps"].as_array().unwrap();
    let titles: Vec<&str> = steps.iter().map(|s| s["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "deployed",
            "register",
            "discover medical",
            "open channels",
            "pay per call",
            "batch claim",
            "rate",
            "discover medical",
            "discover financial",
            "refund",
            "books"
        ]
    );
    let facts = |title: &str| &steps.iter().rev().find(|s| s["title"] == title).unwrap()["facts"];
    assert_eq!(facts("books")["balanced"], true);
    assert_eq!(facts("batch claim")["channels"], 4);
    // 700 calls: 100 + 150 at 1 U (xray-read) and 200 + 250 at 2 U (fraud-scan).
    assert_eq!(facts("batch claim")["gross"], "11000000000000");
    // The well-rated service leads `medical` after the ratings.
    assert_eq!(facts("discover medical")["ranking"][0]["name"], "xray-read");
}

#[test]
fn demo_narrates_in_human_mode() {
    let o = gb_deploy(&["demo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("Global Brain demo on an in-process chain"),
        "{text}"
    );
    assert!(
        text.contains("4. the provider batch-claimed 4 channels in ONE call"),
        "{text}"
    );
    assert!(text.contains("= its native balance"), "{text}");
}

#[test]
fn node_errors_that_need_no_node() {
    let o = gb_deploy(&["demo", "--url", "ws://127.0.0.1:1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("error: cannot reach a node at ws://127.0.0.1:1 ("),
        "{}",
        stderr(&o)
    );
    let o = gb_deploy(&["demo", "--url", "ws://127.0.0.1:1", "--suri", "not a uri"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("error: --suri: `not a uri`:"),
        "{}",
        stderr(&o)
    );
    let o = gb_deploy(&["demo", "--suri", "//Bob"]);
    assert!(stderr(&o).contains("--suri needs --url"), "{}", stderr(&o));
    let o = gb_deploy(&[
        "demo",
        "--url",
        "ws://127.0.0.1:1",
        "--runtime",
        "production",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--runtime picks the in-process chain's runtime"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn demo_runs_on_the_production_like_runtime() {
    let report = json(&gb_deploy(&[
        "demo",
        "--runtime",
        "production",
        "--output-json",
    ]));
    let steps = report["steps"].as_array().unwrap();
    let facts = |title: &str| &steps.iter().rev().find(|s| s["title"] == title).unwrap()["facts"];
    assert_eq!(facts("books")["balanced"], true);
    assert_eq!(facts("batch claim")["channels"], 4);
    // pallet-contracts 31 offers sr25519_verify as a stable host function: the dev
    // escrow deploys there, and the clients sign sr25519 vouchers (docs/production.md).
    assert_eq!(facts("pay per call")["scheme"], "sr25519");
}
