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

/// On a production-like chain (escrow-ecdsa): the SDK picks ecdsa voucher keys, the
/// gateway's challenge offers ecdsa only, paid calls work; an sr25519 key is refused
/// by name before anything is opened.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_production_chain_the_agent_pays_with_ecdsa_vouchers() {
    let market = Market::production(1).await.unwrap();
    let s = &market.services[0];
    let dir = tempfile::tempdir().unwrap();
    let agent = market
        .agent_with("Alice", flows::config(&dir, "alice"))
        .await
        .unwrap();
    let info = agent.service(s.id).await.unwrap();
    for i in 0..3 {
        agent
            .call(&info, gb_agent::CallRequest::post("/", format!("q{i}")))
            .await
            .unwrap();
    }
    assert_eq!(s.upstream.served(), 3);
    assert_eq!(s.gateway.spent().await, 3 * s.price);
    let channels = agent.channels();
    assert_eq!(channels.len(), 1);
    let c = &market.client;
    let on_chain = c
        .query(c.escrow().channel(channels[0].channel_id))
        .await
        .unwrap()
        .expect("the channel exists");
    assert!(
        matches!(on_chain.signer, gb_interfaces::Signer::Ecdsa(_)),
        "{on_chain:?}"
    );
    // The gateway's challenge offers ecdsa only.
    let challenge = reqwest::Client::new()
        .post(&info.endpoint)
        .body("unpaid")
        .send()
        .await
        .unwrap();
    assert_eq!(challenge.status(), 402);
    let required: gb_protocol::PaymentRequired = gb_protocol::headers::decode(
        challenge.headers()[gb_protocol::headers::PAYMENT_REQUIRED].as_bytes(),
        1 << 16,
    )
    .unwrap();
    assert_eq!(
        required.accepts[0].extra.signer_schemes,
        vec![gb_protocol::SignerScheme::Ecdsa]
    );
    // An sr25519 voucher key is refused by name.
    let sr = gb_voucher::VoucherKey::sr25519("//Bob").unwrap();
    let bob = market.account("Bob").await.unwrap();
    let err = gb_agent::Agent::new(
        market.client.chain().clone(),
        market.client.deployment().clone(),
        bob,
        sr,
        flows::config(&dir, "bob"),
    )
    .await
    .err()
    .expect("refused");
    assert!(
        matches!(err, gb_agent::AgentError::VoucherScheme { .. }),
        "{err}"
    );
}

/// Issue 18 L8: an agent refuses a deployment file for another chain, and an escrow
/// instantiated for another chain's genesis hash (`config().genesis_hash`), before it
/// opens or signs anything: its vouchers (v2) sign the connected chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_refuses_a_deployment_or_an_escrow_of_another_chain() {
    use gb_chain::Chain as _;
    let market = Market::start(0).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let chain = market.client.chain().clone();
    let genesis = chain.info().genesis().unwrap();
    let mut other = genesis;
    other[0] ^= 0xFF;
    let other_hex = gb_protocol::network::genesis_hex(&other);
    let bob = market.account("Bob").await.unwrap();
    let vouchers = gb_voucher::VoucherKey::sr25519("//Bob").unwrap();
    let refused = |err: gb_agent::AgentError, what: &str| match err {
        gb_agent::AgentError::WrongChain { what: w, got, .. } => {
            assert!(w.starts_with(what), "{w}");
            assert_eq!(got, other_hex);
        }
        other => panic!("expected WrongChain, got {other}"),
    };
    // The deployment file names another chain.
    let mut file = market.client.deployment().clone();
    file.chain.genesis_hash = other_hex.clone();
    let err = gb_agent::Agent::new(
        chain.clone(),
        file,
        bob.clone(),
        vouchers.clone(),
        flows::config(&dir, "file"),
    )
    .await
    .err()
    .expect("refused");
    refused(err, "the deployment file");
    // An escrow on this chain, instantiated for another chain's genesis hash.
    let d = market.client.deployment().clone();
    let bundles = gb_deploy::Bundles::load(&gb_deploy::bundle::default_dir()).unwrap();
    let new = gb_deploy::suite::escrow_new(d.registry(), 0, &d.treasury, other);
    let escrow = chain
        .instantiate(
            &market.deployer,
            &gb_chain::Instantiation {
                code: bundles.escrow.wasm.clone(),
                data: new.data.clone(),
                salt: vec![0xB0],
                value: 0,
            },
        )
        .await
        .unwrap();
    let mut file = d.clone();
    file.contracts.escrow.address = escrow.address.clone();
    let err = gb_agent::Agent::new(chain, file, bob, vouchers, flows::config(&dir, "escrow"))
        .await
        .err()
        .expect("refused");
    refused(err, "the escrow");
}

/// Eight calls at once on one channel through a real gateway: calls overtaken by others
/// (their voucher stale on arrival) pay again above them; every call is served once and
/// charged once. (Failed before: a call re-sent the highest voucher another call held
/// and gave up after 4 such "fixes".)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_calls_on_one_channel_are_each_served_and_charged_once() {
    const TASKS: u32 = 8;
    const EACH: u32 = 25;
    let market = Market::start(1).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (agent, s) = market
        .one_channel_agent(dir.path(), TASKS * EACH)
        .await
        .unwrap();
    gb_agent::testkit::calls_at_once(&agent, &s, TASKS, EACH)
        .await
        .unwrap();
    let calls = u64::from(TASKS * EACH + 1);
    let service = &market.services[0];
    assert_eq!(service.upstream.served(), calls, "every call served once");
    assert_eq!(
        service.gateway.spent().await,
        service.price * u128::from(calls),
        "every call charged once"
    );
    assert_eq!(agent.channels().len(), 1, "all on one channel");
}
