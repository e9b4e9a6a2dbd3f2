//! `gb mcp` in a real MCP client session (rmcp's client over the stdio of the `gb`
//! process): the LLM-facing tools search, inspect, pay and call, check spend and rate,
//! with a budget refusal as a distinct tool error. The `gb` process runs its hidden
//! test mode (`--in-process-market`, feature `sandbox`): the chain, the suite, the
//! provider's gateways and upstreams live in that process, since an in-process chain
//! cannot be shared with the test.

use rmcp::model::CallToolRequestParams;
use rmcp::transport::{ConfigureCommandExt as _, TokioChildProcess};
use rmcp::{object, ServiceExt as _};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mcp_client_searches_pays_checks_spend_and_is_refused_by_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("mcp.db");
    let cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_gb")).configure(|c| {
        c.args([
            "mcp",
            "--in-process-market",
            "--budget-total",
            "1U",
            "--store",
        ])
        .arg(&store)
        .env_remove("GB_SURI");
    });
    let client = ().serve(TokioChildProcess::new(cmd).unwrap()).await.unwrap();

    let tools = client.list_all_tools().await.unwrap();
    let mut names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "call_service",
            "check_spend",
            "get_service",
            "list_channels",
            "rate_service",
            "search_services"
        ]
    );

    let call = |name: &'static str, args: serde_json::Map<String, Value>| {
        let client = &client;
        async move {
            client
                .call_tool(CallToolRequestParams::new(name).with_arguments(args))
                .await
                .unwrap()
        }
    };

    let found = call("search_services", object!({ "tag": "medical" })).await;
    assert_ne!(found.is_error, Some(true));
    let services = found.structured_content.unwrap()["services"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(services.len(), 2);
    assert_eq!(services[0]["name"], "svc-1");
    assert_eq!(services[0]["price"], "10000000000");

    let one = call("get_service", object!({ "service_id": 1 })).await;
    assert_eq!(one.structured_content.unwrap()["service"]["id"], 1);

    let paid = call(
        "call_service",
        object!({ "service_id": 1, "body": "hello", "path": "/infer" }),
    )
    .await;
    assert_ne!(paid.is_error, Some(true), "{paid:?}");
    let paid = paid.structured_content.unwrap();
    assert_eq!(paid["status"], 200);
    assert_eq!(paid["receipt"]["charged"], "10000000000");
    let body: Value = serde_json::from_str(paid["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["echo"], "hello");

    let spend = call("check_spend", object!({}))
        .await
        .structured_content
        .unwrap();
    assert_eq!(spend["balances"]["spend"]["total"], "10000000000");

    // The budget (1 U in all) is spent: the next call is refused, as a tool error.
    let refused = call(
        "call_service",
        object!({ "service_id": 1, "body": "again" }),
    )
    .await;
    assert_eq!(refused.is_error, Some(true));
    let why = refused.structured_content.unwrap();
    assert_eq!(why["error"], "budget_refused");
    assert_eq!(why["cap"]["kind"], "total");

    let channels = call("list_channels", object!({}))
        .await
        .structured_content
        .unwrap();
    assert_eq!(channels["channels"].as_array().unwrap().len(), 1);

    // Nothing was claimed on chain yet: rating is refused with the reason.
    let rate = call("rate_service", object!({ "service_id": 1, "stars": 5 })).await;
    assert_eq!(rate.is_error, Some(true));
    assert!(rate.structured_content.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("claimed"));

    client.cancel().await.unwrap();
}
