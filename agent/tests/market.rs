//! The SDK against an in-process market (drink's chain, the suite deployed by
//! gb-deploy, real HTTP upstreams on loopback behind real gb-gateway instances). Needs the contract
//! bundles (`GB_BUNDLES_DIR`) and feature `sandbox`. The flows are in `flows.rs`;
//! `node.rs` runs them on substrate-contracts-node.

mod flows;

use gb_agent::testkit::Market;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_open_100_paid_calls_claim_rate_and_the_ranking_changes() {
    flows::discover_open_100_paid_calls_claim_rate_and_the_ranking_changes(
        Market::start(2).await.unwrap(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impostor_challenge_is_refused_and_nothing_is_paid() {
    flows::an_impostor_challenge_is_refused_and_nothing_is_paid(Market::start(1).await.unwrap())
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_refuses_with_a_typed_error_and_nothing_is_paid() {
    flows::the_budget_refuses_with_a_typed_error_and_nothing_is_paid(
        Market::start(1).await.unwrap(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_down_is_retried_with_the_same_voucher_and_charged_once() {
    flows::a_gateway_down_is_retried_with_the_same_voucher_and_charged_once(
        Market::start(1).await.unwrap(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_that_is_a_provider_buys_a_sub_task() {
    flows::an_agent_that_is_a_provider_buys_a_sub_task(Market::start(1).await.unwrap()).await;
}
