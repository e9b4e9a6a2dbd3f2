//! The SDK's flows (`flows.rs`) against substrate-contracts-node (feature
//! `node-tests`, with `CONTRACTS_NODE_URL` set to a dev node, deploying a fresh suite as
//! //Alice each time). Without the URL the tests fail: this layer is only run where a
//! node is. NOT YET in `scripts/node-tests.sh`: these flows have not been run on a node
//! since the test kit moved onto the real gateway (its follower on a dev node's
//! finalized events is untested there).

mod flows;

use gb_agent::testkit::Market;
use gb_chain::AccountKey;
use std::sync::Arc;

async fn market(n: usize) -> Market {
    let url = std::env::var("CONTRACTS_NODE_URL")
        .expect("CONTRACTS_NODE_URL: the node layer needs a running substrate-contracts-node");
    let alice = AccountKey::dev("Alice");
    let node = gb_chain::node::Node::connect(&url, alice.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    Market::on(Arc::new(node), alice, n)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_node_discover_open_100_paid_calls_claim_rate_and_the_ranking_changes() {
    flows::discover_open_100_paid_calls_claim_rate_and_the_ranking_changes(market(2).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_node_an_impostor_challenge_is_refused_and_nothing_is_paid() {
    flows::an_impostor_challenge_is_refused_and_nothing_is_paid(market(1).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_node_the_budget_refuses_with_a_typed_error_and_nothing_is_paid() {
    flows::the_budget_refuses_with_a_typed_error_and_nothing_is_paid(market(1).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_node_an_agent_that_is_a_provider_buys_a_sub_task() {
    flows::an_agent_that_is_a_provider_buys_a_sub_task(market(1).await).await;
}
