//! The `gb` command line as a process: help, command-line errors, friendly errors
//! without a node; with feature `sandbox`, whole commands against the hidden
//! in-process market (discovery, a paid call with its receipt, a budget refusal's exit
//! code).

use std::process::{Command, Output};

fn gb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gb"))
        .args(args)
        .env_remove("GB_SURI")
        .env_remove("GB_DEPLOYMENT")
        .env_remove("GB_STORE")
        .output()
        .expect("run gb")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const COMMANDS: [&str; 10] = [
    "services", "service", "channels", "open", "fund", "call", "rate", "refund", "balance", "mcp",
];

#[test]
fn help_lists_every_command_and_each_takes_the_shared_options() {
    let o = gb(&["--help"]);
    assert!(o.status.success());
    for cmd in COMMANDS {
        assert!(stdout(&o).contains(cmd), "{}", stdout(&o));
        let sub = gb(&[cmd, "--help"]);
        assert!(sub.status.success(), "{cmd}: {}", stderr(&sub));
        for opt in [
            "--url",
            "--suri",
            "--deployment",
            "--output-json",
            "--store",
            "--max-price",
        ] {
            assert!(stdout(&sub).contains(opt), "{cmd} --help lacks {opt}");
        }
        assert!(
            !stdout(&sub).contains("in-process-market"),
            "the test mode is hidden"
        );
    }
    for cmd in ["open", "fund", "rate", "refund"] {
        assert!(stdout(&gb(&[cmd, "--help"])).contains("--execute"), "{cmd}");
    }
}

#[test]
fn a_wrong_command_line_exits_2() {
    assert_eq!(gb(&["pay"]).status.code(), Some(2));
    assert_eq!(gb(&["service", "not-a-number"]).status.code(), Some(2));
    assert_eq!(gb(&["rate", "1", "--stars", "6"]).status.code(), Some(2));
    let o = gb(&["call", "1", "--max-price", "lots"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not an amount"), "{}", stderr(&o));
}

#[test]
fn without_a_node_the_errors_say_what_to_do() {
    let o = gb(&["services", "medical"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("gb talks to a node: pass --url"),
        "{}",
        stderr(&o)
    );
    let o = gb(&["balance", "--url", "ws://127.0.0.1:1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("error: cannot reach a node at ws://127.0.0.1:1"),
        "{}",
        stderr(&o)
    );
    let o = gb(&[
        "balance",
        "--url",
        "ws://127.0.0.1:1",
        "--suri",
        "not a uri",
    ]);
    assert!(
        stderr(&o).starts_with("error: --suri: `not a uri`:"),
        "{}",
        stderr(&o)
    );
}

#[cfg(feature = "sandbox")]
mod in_process {
    use super::*;

    fn market_args<'a>(store: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
        let mut v = rest.to_vec();
        v.extend(["--in-process-market", "--store", store, "--output-json"]);
        v
    }

    #[test]
    fn services_lists_the_market_as_json() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("s.db");
        let o = gb(&market_args(
            store.to_str().unwrap(),
            &["services", "medical"],
        ));
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let services = v["services"].as_array().unwrap();
        assert_eq!(services.len(), 2);
        assert_eq!(services[0]["price"], "10000000000");
        assert!(services[0]["endpoint"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"));
    }

    #[test]
    fn call_pays_and_prints_the_response_and_the_receipt() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("c.db");
        let o = gb(&market_args(
            store.to_str().unwrap(),
            &["call", "2", "--data", "hello", "--path", "/infer"],
        ));
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(v["status"], 200);
        assert_eq!(v["receipt"]["charged"], "20000000000");
        assert_eq!(v["receipt"]["voucher_amount"], "20000000000");
        let body: serde_json::Value = serde_json::from_str(v["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["echo"], "hello");
    }

    #[test]
    fn a_budget_refusal_exits_3() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("b.db");
        let o = gb(&market_args(
            store.to_str().unwrap(),
            &["call", "2", "--data", "x", "--max-price", "1U"],
        ));
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        assert!(stderr(&o).contains("budget: service 2 costs 20000000000 per call, above the per-call maximum 10000000000"), "{}", stderr(&o));
    }
}
