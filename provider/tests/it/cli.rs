//! The `gb-gateway` binary as a user runs it: `init`, `--help`, the exit codes and
//! the messages of a bad configuration, a missing deployment file, a store of another
//! deployment; and `check` / `status` / `claim` against the in-process chain served
//! over loopback.

use crate::common::*;
use gb_chain::Chain;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

fn gw(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gb-gateway"))
        .args(args)
        .current_dir(dir)
        .env_remove("GB_SURI")
        .env_remove("GB_GATEWAY_CONFIG")
        .output()
        .expect("run gb-gateway")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        &["--help"][..],
        &["init", "--help"],
        &["run", "--help"],
        &["check", "--help"],
        &["status", "--help"],
        &["claim", "--help"],
    ] {
        let o = gw(cmd, dir.path());
        assert!(o.status.success(), "{cmd:?}: {}", text(&o));
    }
    let o = gw(&["run", "--help"], dir.path());
    assert!(text(&o).contains("GB_SURI"));
    let o = gw(&["claim", "--help"], dir.path());
    assert!(text(&o).contains("--execute"));
}

#[test]
fn init_writes_the_commented_example_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let o = gw(&["init", "--output-json"], dir.path());
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["written"], "gateway.toml");
    let written = std::fs::read_to_string(dir.path().join("gateway.toml")).unwrap();
    assert_eq!(written, gb_gateway::config::EXAMPLE);
    let o = gw(&["init"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("--force"), "{}", text(&o));
    assert!(gw(&["init", "--force"], dir.path()).status.success());
}

#[test]
fn a_bad_configuration_exits_3_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gateway.toml"), "listen = 5\n").unwrap();
    let o = gw(&["check"], dir.path());
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("listen"), "{}", text(&o));
    let o = gw(&["check", "--config", "missing.toml"], dir.path());
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o).contains("missing.toml"));
    // A wrong command line is clap's 2.
    assert_eq!(
        gw(&["run", "--no-such-flag"], dir.path()).status.code(),
        Some(2)
    );
}

#[test]
fn a_missing_deployment_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    assert!(gw(&["init"], dir.path()).status.success());
    let o = gw(&["check", "--url", "ws://127.0.0.1:1"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("deployment.json"), "{}", text(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_status_and_claim_against_a_chain() {
    let w = World::new(PRICE, 1).await;
    let (url, _up) = upstream().await;
    let chain_url = gb_gateway::testkit::serve_chain(
        w.sandbox.clone() as Arc<dyn Chain>,
        vec![w.provider.clone()],
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    std::fs::write(d.join("deployment.json"), w.deployment().to_json()).unwrap();
    std::fs::write(
        d.join("gateway.toml"),
        format!(
            "listen = \"127.0.0.1:0\"\nupstream = \"{url}\"\nservice_id = {}\ndeployment = \"deployment.json\"\n",
            w.service
        ),
    )
    .unwrap();
    let run = |args: Vec<String>, suri: Option<&str>| {
        let d = d.clone();
        let suri = suri.map(str::to_string);
        tokio::task::spawn_blocking(move || {
            let mut c = Command::new(env!("CARGO_BIN_EXE_gb-gateway"));
            c.args(&args).current_dir(&d).env_remove("GB_SURI");
            if let Some(s) = suri {
                c.env("GB_SURI", s);
            }
            c.output().unwrap()
        })
    };
    let args = |a: &[&str]| {
        a.iter()
            .map(|s| s.to_string())
            .chain(["--url".into(), chain_url.clone()])
            .collect::<Vec<_>>()
    };
    // No key: the claimer cannot run.
    let o = run(args(&["check"]), None).await.unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("GB_SURI"), "{}", text(&o));
    // Not the payee's key.
    let o = run(args(&["check"]), Some("//Alice")).await.unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("only the payee can claim"),
        "{}",
        text(&o)
    );
    let o = run(args(&["check", "--output-json"]), Some("//Bob"))
        .await
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["terms"]["accepts"][0]["amount"], PRICE.to_string());
    assert_eq!(v["store"], "sqlite");
    // A gateway serves one call (in this process, on the same store file), then stops.
    let store_path = d.join("gateway.db");
    {
        let g = start(
            &w,
            config(&url, &store_path, w.service),
            sqlite(&store_path),
        )
        .await;
        let id = w.open(0, 10 * UNIT, DAY).await;
        assert_eq!(
            paid(&http(), &g, &w, 0, id, 3 * PRICE, None).await.status,
            200
        );
        g.shutdown().await;
    }
    let o = run(vec!["status".into(), "--output-json".into()], None)
        .await
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["unclaimed"], (3 * PRICE).to_string());
    // claim: a dry run, then -x.
    let o = run(args(&["claim", "--all", "--output-json"]), Some("//Bob"))
        .await
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["batches"][0][0]["outcome"], "would claim");
    let o = run(
        args(&["claim", "--all", "-x", "--output-json"]),
        Some("//Bob"),
    )
    .await
    .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["claimed_value"], (3 * PRICE).to_string());
    let o = run(vec!["status".into(), "--output-json".into()], None)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["unclaimed"], "0");
    // A store of another service is refused.
    let other = w.another_service(PRICE).await;
    let err = gb_gateway::start(gb_gateway::Setup {
        config: config(&url, &store_path, other),
        chain: w.sandbox.clone(),
        deployment: w.deployment(),
        store: sqlite(&store_path),
        claimer_key: Some(w.provider.clone()),
    })
    .await
    .err()
    .expect("refused");
    assert!(err.to_string().contains("bound to"), "{err}");
}
