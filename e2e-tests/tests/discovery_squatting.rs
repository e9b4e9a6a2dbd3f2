//! Security review L7 on the three real bundles in drink: ranked discovery squatted by
//! position. An attacker registers 32 services under `medical` before an honest,
//! paid and well-rated service. Page 0 of `ranked_by_tag` is positions 0..32 of the
//! tag's active services, so while the squatters stay listed they fill it; delisted
//! ones no longer hold positions (before the fix they did, and the honest service was
//! on page 1 with `next_cursor = Some(32)` even after half of them delisted). The
//! leaderboard (`promote` / `top_by_tag`) is what position cannot buy: the honest
//! service takes a seat by score and tops it, and no squatter can take it back.
use gb_client::events::RegistryEvent;
use gb_client::{RankedPage, SuiteEvent};
use gb_e2e_tests::*;
use gb_interfaces::ServiceId;

fn ids(page: &RankedPage) -> Vec<ServiceId> {
    page.entries.iter().map(|e| e.service_id).collect()
}

/// The `evicted` of the one `Promoted` event among `events`.
fn evicted(events: &[SuiteEvent]) -> Option<ServiceId> {
    let promoted: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SuiteEvent::Registry(RegistryEvent::Promoted(p)) => Some(p.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(promoted.len(), 1, "{events:?}");
    promoted[0].evicted
}

#[tokio::test]
async fn l7_squatters_registered_first_neither_fill_page_zero_nor_hold_the_leaderboard() {
    let m = Market::new(100, 2).await;
    let r = m.registry();
    let tag = "medical";

    // 1. The attacker (client 1) registers 32 services under `medical` first.
    let attacker = m.clients[1].clone();
    m.call(&attacker, r.create_org("squat")).await.unwrap();
    let mut squatters = Vec::new();
    for i in 0..32 {
        let spec = m.spec(&format!("sq{i}"), UNIT, &[tag]);
        let id = m.call(&attacker, r.register_service("squat", spec)).await;
        squatters.push(id.unwrap());
    }

    // 2. The honest service comes after them, with a real paid and rated call.
    let honest = m.register("acme", &[("xray", 2 * UNIT, &[tag])]).await[0];
    let client = m.clients[0].clone();
    let now = m.now().await;
    let ch = m
        .open(&client, honest, 100 * UNIT, now + DAY)
        .await
        .unwrap();
    let out = m.claim_batch(vec![m.voucher(&client, ch, 20 * UNIT)]).await;
    assert_eq!(out, vec![Ok(20 * UNIT)]);
    m.rate(&client, ch, 5).await.unwrap();
    let prior = m.score(squatters[0]).await.lcb;
    let good = m.score(honest).await.lcb;
    assert!(
        good > prior,
        "honest {good} vs the squatters' prior {prior}"
    );

    // 3. While the 32 squatters stay listed they hold positions 0..32: page 0 is
    //    theirs (the limitation the leaderboard answers; a client reading one page only
    //    should read `top_by_tag`).
    let page0 = m.ranked(tag).await;
    assert!(!ids(&page0).contains(&honest), "{page0:?}");
    assert_eq!((page0.next_cursor, page0.total), (Some(32), 33));

    // 4. The attacker fills the empty leaderboard first.
    for id in &squatters {
        let sent = m.send(&attacker, r.promote(tag, *id)).await.unwrap();
        assert_eq!(evicted(&sent.events), None);
    }
    let top = m.query(r.top_by_tag(tag)).await;
    assert_eq!((top.entries.len(), top.total), (32, 32));
    assert!(!ids(&top).contains(&honest));

    // 5. Anyone (here the client) promotes the honest service: it scores strictly
    //    higher than the weakest squatter (all at the prior and the same price: the
    //    highest id), which it evicts, and it tops the board.
    let sent = m.send(&client, r.promote(tag, honest)).await.unwrap();
    let gone = evicted(&sent.events).expect("a squatter evicted");
    assert_eq!(gone, squatters[31]);
    let top = m.query(r.top_by_tag(tag)).await;
    assert_eq!(top.entries[0].service_id, honest);
    assert_eq!(top.entries[0].score, good);
    assert_eq!(top.entries.len(), 32);

    // 6. No squatter can take the seat back: the evicted one, or a fresh one.
    assert_eq!(
        m.call(&attacker, r.promote(tag, gone)).await,
        Err(RegistryError::NotBetter)
    );
    let spec = m.spec("sq-fresh", UNIT / 2, &[tag]);
    let fresh = m
        .call(&attacker, r.register_service("squat", spec))
        .await
        .unwrap();
    assert_eq!(
        m.call(&attacker, r.promote(tag, fresh)).await,
        Err(RegistryError::NotBetter)
    );
    assert_eq!(
        m.call(&attacker, r.promote(tag, squatters[0])).await,
        Err(RegistryError::AlreadyOnBoard)
    );

    // 7. The attacker delists half of its services (the review's step 3): they hold no
    //    ranked positions, so page 0 now holds every active service, the honest one
    //    first; the board leaves them out.
    for id in &squatters[..16] {
        m.call(&attacker, r.delist_service(*id)).await.unwrap();
    }
    let page0 = m.ranked(tag).await;
    assert_eq!(page0.entries[0].service_id, honest);
    assert_eq!((page0.next_cursor, page0.total), (None, 18));
    assert!(ids(&page0).iter().all(|id| !squatters[..16].contains(id)));
    let top = m.query(r.top_by_tag(tag)).await;
    assert_eq!(top.entries[0].service_id, honest);
    assert_eq!((top.entries.len(), top.total), (16, 32));

    // 8. A delisted member's seat goes first to the next promote (no scores needed),
    //    never the honest one's.
    let sent = m.send(&attacker, r.promote(tag, fresh)).await.unwrap();
    let replaced = evicted(&sent.events).expect("a delisted squatter");
    assert!(squatters[..16].contains(&replaced), "{replaced}");
    let top = m.query(r.top_by_tag(tag)).await;
    assert_eq!(top.entries[0].service_id, honest);
    assert!(ids(&top).contains(&fresh));
}
