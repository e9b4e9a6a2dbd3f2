//! The SDK's integration flows against a market (`gb_agent::testkit`): the suite on a
//! chain, real HTTP upstreams on loopback behind real provider gateways (gb-gateway). `market.rs` runs them
//! on the in-process chain, `node.rs` on substrate-contracts-node.
#![allow(dead_code)]

use gb_agent::testkit::{Impostor, Lie, Market, Upstream, UNIT};
use gb_agent::{
    AgentConfig, AgentError, BudgetError, BudgetPolicy, CallRequest, Order, Rating, SelectionPolicy,
};
use std::sync::Arc;

pub fn config(dir: &tempfile::TempDir, name: &str) -> AgentConfig {
    let mut c = AgentConfig::new(dir.path().join(format!("{name}.db")));
    c.selection = SelectionPolicy {
        order: Order::Score,
        epsilon: 0.0,
        newcomer_n: 10,
    };
    c
}

/// discover → open → 100 paid calls → the gateway claims → rate → the ranking changes.
pub async fn discover_open_100_paid_calls_claim_rate_and_the_ranking_changes(market: Market) {
    let dir = tempfile::tempdir().unwrap();
    let agent = market
        .agent_with("Alice", config(&dir, "alice"))
        .await
        .unwrap();

    let before = agent.discover(&market.tag).await.unwrap();
    let ids: Vec<u64> = before.iter().map(|s| s.id).collect();
    let (first, second) = (market.services[0].id, market.services[1].id);
    assert_eq!(
        ids,
        [first, second],
        "at the prior, the cheaper service leads"
    );
    assert_eq!(before[0].score, before[1].score);
    assert_eq!(before[1].price, 2 * UNIT);
    assert_eq!(
        before[1].endpoint,
        market.service(second).gateway.endpoint()
    );

    // 100 paid calls of the second (pricier) service.
    let target = &before[1];
    for i in 1..=100u128 {
        let paid = agent
            .call(target, CallRequest::post("/infer", format!("question {i}")))
            .await
            .unwrap_or_else(|e| panic!("call {i}: {e}"));
        assert_eq!(paid.response.status(), 200);
        assert_eq!(paid.receipt.charged, 2 * UNIT);
        assert_eq!(paid.receipt.spent, i * 2 * UNIT);
        assert_eq!(paid.amount, i * 2 * UNIT, "the cumulative voucher");
        let body: serde_json::Value =
            serde_json::from_slice(&paid.response.bytes().await.unwrap()).unwrap();
        assert_eq!(body["echo"], format!("question {i}"));
        assert_eq!(body["served_by"], "svc-2");
    }
    let svc = market.service(second);
    assert_eq!(svc.upstream.served(), 100);
    assert_eq!(svc.gateway.spent().await, 200 * UNIT);
    let channels = agent.channels();
    assert_eq!(channels.len(), 1, "one channel, reused: {channels:?}");
    assert_eq!(channels[0].signed, 200 * UNIT);

    // The provider claims every channel in one batch.
    let claimed = svc.gateway.claim().await.unwrap();
    assert_eq!(claimed, 200 * UNIT);
    let on_chain = market
        .client
        .query(market.client.escrow().channel(channels[0].channel_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(on_chain.claimed, 200 * UNIT);

    // The agent rates with its own quality measure: all 100 answers were right.
    let rated = agent.rate(target.id, Rating::Quality(1.0)).await.unwrap();
    assert_eq!((rated.service_id, rated.stars), (second, 5));
    let err = agent.rate(target.id, Rating::Stars(5)).await.unwrap_err();
    assert!(
        matches!(err, AgentError::NotRatable(_)),
        "rated once per channel: {err}"
    );

    let after = agent.discover(&market.tag).await.unwrap();
    assert_eq!(
        after[0].id, second,
        "the paid, well-rated service now leads: {after:?}"
    );
    assert!(after[0].score > before[1].score);
    assert!(after[0].evidence.n > 0);
    assert_eq!(agent.spend(0).total, 200 * UNIT);
    agent.close().await.unwrap();
}

/// An impostor at a service's endpoint (a hijacked address relaying to the real
/// gateway) whose challenge lies about the payee, the escrow or the price is never paid.
pub async fn an_impostor_challenge_is_refused_and_nothing_is_paid(market: Market) {
    let dir = tempfile::tempdir().unwrap();
    let s = &market.services[0];
    for (lie, field) in [
        (Lie::Payee, "payee"),
        (Lie::Escrow, "escrow"),
        (Lie::Price, "price"),
    ] {
        let impostor = Impostor::start(s.gateway.endpoint(), lie).await.unwrap();
        // A fresh agent each time: the terms are checked once per service and process.
        let agent = market
            .agent_with("Alice", config(&dir, &format!("a-{field}")))
            .await
            .unwrap();
        let mut info = agent.service(s.id).await.unwrap();
        info.endpoint = impostor.endpoint();
        let err = agent
            .call(&info, CallRequest::post("/", "hi"))
            .await
            .unwrap_err();
        match &err {
            AgentError::Impostor { field: f, .. } => assert_eq!(*f, field, "{err}"),
            other => panic!("expected an impostor refusal, got {other}"),
        }
        assert!(err.is_impostor());
        assert!(
            err.to_string()
                .contains(&format!("refusing to pay service {}", s.id)),
            "{err}"
        );
        assert_eq!(
            impostor.vouchers(),
            0,
            "no voucher was sent to the impostor"
        );
    }
    assert_eq!(s.upstream.served(), 0);
    assert_eq!(
        s.gateway.vouchers().await,
        0,
        "no voucher reached the gateway"
    );
    assert_eq!(s.gateway.spent().await, 0);
    // The registered endpoint (the real gateway) is paid.
    let agent = market
        .agent_with("Alice", config(&dir, "honest"))
        .await
        .unwrap();
    let info = agent.service(s.id).await.unwrap();
    assert!(agent
        .call(&info, CallRequest::post("/", "hi"))
        .await
        .is_ok());
    assert_eq!(s.upstream.served(), 1);
    assert_eq!(s.gateway.spent().await, s.price);
}

/// Budget caps refuse with a typed error, before anything is paid or opened.
pub async fn the_budget_refuses_with_a_typed_error_and_nothing_is_paid(market: Market) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(&dir, "alice");
    c.budget = BudgetPolicy {
        total: Some(3 * UNIT),
        ..Default::default()
    };
    let agent = market.agent_with("Alice", c).await.unwrap();
    let s = agent.service(market.services[0].id).await.unwrap();
    for _ in 0..3 {
        agent.call(&s, CallRequest::post("/", "x")).await.unwrap();
    }
    let err = agent
        .call(&s, CallRequest::post("/", "x"))
        .await
        .unwrap_err();
    assert_eq!(
        err.budget(),
        Some(&BudgetError::Total {
            spent: 3 * UNIT,
            price: UNIT,
            cap: 3 * UNIT
        })
    );
    assert_eq!(market.services[0].upstream.served(), 3);
    assert_eq!(market.services[0].gateway.spent().await, 3 * UNIT);

    let mut c = config(&dir, "charlie");
    c.budget = BudgetPolicy {
        max_price_per_call: Some(UNIT / 2),
        ..Default::default()
    };
    let cheap = market.agent_with("Charlie", c).await.unwrap();
    let err = cheap
        .call(&s, CallRequest::post("/", "x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err.budget(), Some(BudgetError::PriceAboveMax { .. })),
        "{err}"
    );
    assert!(
        cheap.channels().is_empty(),
        "no channel opened for a refused call"
    );
}

/// A gateway that is down is retried with the same voucher and key, and charges once.
pub async fn a_gateway_down_is_retried_with_the_same_voucher_and_charged_once(market: Market) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(&dir, "alice");
    c.pay.retry_backoff_ms = 100;
    c.pay.attempts = 6;
    let agent = Arc::new(market.agent_with("Alice", c).await.unwrap());
    let s = agent.service(market.services[0].id).await.unwrap();
    agent
        .call(&s, CallRequest::post("/", "first"))
        .await
        .unwrap();

    let gw = &market.services[0].gateway;
    gw.stop().await;
    let call = {
        let (agent, s) = (agent.clone(), s.clone());
        tokio::spawn(async move { agent.call(&s, CallRequest::post("/", "second")).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    gw.restart().await.unwrap();
    let paid = call.await.unwrap().unwrap();
    assert!(paid.attempts > 1, "it took retries: {}", paid.attempts);
    assert_eq!(paid.receipt.spent, 2 * UNIT);
    assert_eq!(gw.spent().await, 2 * UNIT, "charged once");
    assert_eq!(market.services[0].upstream.served(), 2);

    // Down for good: a typed error after the attempts, nothing charged.
    gw.stop().await;
    let err = agent
        .call(&s, CallRequest::post("/", "third"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AgentError::Unreachable { attempts: 6, .. }),
        "{err}"
    );
    assert_eq!(gw.spent().await, 2 * UNIT);
}

/// An agent that is also a provider buys a sub-task for each call it serves.
pub async fn an_agent_that_is_a_provider_buys_a_sub_task(mut market: Market) {
    let dir = tempfile::tempdir().unwrap();
    // Carol serves `summarize`; each of her calls buys a sub-task from svc-1.
    let carol_key = market.account("Carol").await.unwrap();
    let carol_org = format!("carol-{}", market.org);
    market
        .client
        .send(&carol_key, market.client.registry().create_org(&carol_org))
        .await
        .unwrap();
    let (tag, text_tag) = (market.tag.clone(), format!("text-{}", market.tag));
    let carol = Arc::new(
        market
            .agent_with("Carol", config(&dir, "carol"))
            .await
            .unwrap(),
    );
    let handler: gb_agent::testkit::Handler = {
        let carol = carol.clone();
        Arc::new(move |body: bytes::Bytes| {
            let (carol, tag) = (carol.clone(), tag.clone());
            Box::pin(async move {
                let (sub, _) = carol.choose(&tag).await.map_err(|e| e.to_string())?;
                let paid = carol
                    .call(&sub, CallRequest::post("/sub", body))
                    .await
                    .map_err(|e| e.to_string())?;
                let inner = paid.response.bytes().await.map_err(|e| e.to_string())?;
                Ok(bytes::Bytes::from(format!(
                    "summary of [{}]",
                    String::from_utf8_lossy(&inner)
                )))
            })
        })
    };
    let upstream = Upstream::with_handler("summarize", Some(handler))
        .await
        .unwrap();
    let idx = market
        .add_service_with(
            &carol_key,
            &carol_org,
            "summarize",
            3 * UNIT,
            &[&text_tag],
            upstream,
        )
        .await
        .unwrap();
    let summarize_id = market.services[idx].id;

    let dave = market
        .agent_with("Dave", config(&dir, "dave"))
        .await
        .unwrap();
    let (s, _) = dave.choose(&text_tag).await.unwrap();
    assert_eq!(s.id, summarize_id);
    let paid = dave
        .call(&s, CallRequest::post("/", "long text"))
        .await
        .unwrap();
    let text = String::from_utf8(paid.response.bytes().await.unwrap().to_vec()).unwrap();
    assert!(
        text.starts_with("summary of [") && text.contains("\"served_by\":\"svc-1\""),
        "{text}"
    );
    // Dave paid Carol; Carol paid svc-1's provider.
    assert_eq!(market.services[idx].gateway.spent().await, 3 * UNIT);
    assert_eq!(market.services[0].gateway.spent().await, UNIT);
    let carols = carol.channels();
    assert_eq!(carols.len(), 1);
    assert_eq!(carols[0].service_id, market.services[0].id);
    assert_eq!(dave.channels()[0].service_id, summarize_id);
}
