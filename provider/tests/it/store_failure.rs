//! Fail closed: while the store cannot commit, paid calls get `503 store-unavailable`
//! and nothing reaches the service or the ledger; once it commits again, calls are
//! served and charged as before.

use crate::common::*;
use gb_gateway::store::{sqlite::SqliteStore, Store};
use gb_gateway::testkit::{FaultyStore, StoreFaults};
use gb_protocol::ProblemKind;
use std::sync::atomic::Ordering;
use std::sync::Arc;

#[tokio::test]
async fn a_failing_store_answers_503_and_forwards_nothing() {
    let w = World::new(PRICE, 1).await;
    let (url, up) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gw.db");
    let faults = StoreFaults::default();
    let store: Arc<dyn Store> = Arc::new(FaultyStore {
        inner: SqliteStore::open(&path).unwrap(),
        faults: faults.clone(),
    });
    let g = start(&w, config(&url, &path, w.service), store.clone()).await;
    let c = http();
    let id = w.open(0, 10 * UNIT, DAY).await;
    assert_eq!(paid(&c, &g, &w, 0, id, PRICE, None).await.status, 200);
    faults.fail_commits(true);
    for k in 2..=4 {
        let a = paid(&c, &g, &w, 0, id, k * PRICE, Some(&format!("key-{k}"))).await;
        assert_eq!(a.status, 503);
        assert_eq!(a.problem().kind(), Some(ProblemKind::StoreUnavailable));
        assert!(a.headers.get("payment-response").is_none());
        assert_eq!(a.headers.get("retry-after").unwrap(), "1");
    }
    let health = send(&c, g.addr, "GET", "/health", &[], b"").await;
    assert_eq!(health.status, 503);
    assert_eq!(
        up.hits.load(Ordering::SeqCst),
        1,
        "nothing forwarded while failing"
    );
    let ch = store.channel(id).await.unwrap().unwrap();
    assert_eq!(
        (ch.ledger.accepted, ch.ledger.spent),
        (PRICE, PRICE),
        "nothing persisted"
    );
    faults.fail_commits(false);
    // The in-memory ledger was reloaded: the next voucher must still cover 2 × price.
    let a = paid(&c, &g, &w, 0, id, PRICE, None).await;
    assert_eq!(a.problem().kind(), Some(ProblemKind::StaleAmount));
    let a = paid(&c, &g, &w, 0, id, 2 * PRICE, Some("key-2")).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.receipt().receipt.spent, 2 * PRICE);
    assert_eq!(up.hits.load(Ordering::SeqCst), 2);
}
