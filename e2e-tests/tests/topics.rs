//! The topics of the events that only a real chain emits (after a cross-contract call):
//! an indexer filters by them, so they are part of the ABI. The contracts' own
//! `every_event_carries_its_topics` tests check the rest off chain.
use gb_chain::{BlockEvents, Chain, ContractEvent};
use gb_e2e_tests::*;
use gb_testkit::{expected_topics, topic_of};
use ink::env::Event;

/// The events of the next block the subscription sees.
async fn next_block(blocks: &mut gb_chain::EventStream) -> Vec<ContractEvent> {
    use futures::StreamExt;
    let b: BlockEvents = blocks.next().await.expect("a block").expect("no error");
    b.events
}

/// The event of type `E` among `events`, by its signature topic.
fn find<E: Event>(events: &[ContractEvent]) -> &ContractEvent {
    let signature = E::SIGNATURE_TOPIC.expect("not anonymous");
    events
        .iter()
        .find(|e| e.topics.first() == Some(&signature))
        .unwrap_or_else(|| panic!("no {} in {events:?}", std::any::type_name::<E>()))
}

fn assert_topics<E: Event>(events: &[ContractEvent], fields: &[[u8; 32]]) {
    assert_eq!(
        find::<E>(events).topics,
        expected_topics::<E>(fields),
        "topics of {}",
        std::any::type_name::<E>()
    );
}

#[tokio::test]
async fn channel_opened_claimed_rated_fulfillment_failure_and_report_failed_topics() {
    let m = Market::new(100, 2).await;
    let svc = m.register("acme", &[("xray", UNIT, &["medical"])]).await[0];
    let c = m.clients[0].clone();
    let mut blocks = m.chain().subscribe().await.unwrap();
    let ink = |w: &Who| gb_client::ink_account(&w.account());

    let ch = m
        .open(&c, svc, 10 * UNIT, m.now().await + DAY)
        .await
        .unwrap();
    let events = next_block(&mut blocks).await;
    assert_topics::<escrow::events::ChannelOpened>(
        &events,
        &[
            topic_of(&ch),
            topic_of(&ink(&c)),
            topic_of(&ink(&m.provider)),
        ],
    );

    m.claim_batch(vec![m.voucher(&c, ch, 2 * UNIT)]).await;
    let events = next_block(&mut blocks).await;
    assert_topics::<escrow::events::Claimed>(&events, &[topic_of(&ink(&m.provider))]);
    assert_topics::<reputation::events::FulfillmentRecorded>(&events, &[topic_of(&svc)]);

    m.rate(&c, ch, 5).await.unwrap();
    let events = next_block(&mut blocks).await;
    assert_topics::<reputation::events::Rated>(&events, &[topic_of(&svc), topic_of(&ink(&c))]);

    // An unserved channel refunded after expiry: a failure report.
    let lapsing = m.open(&c, svc, UNIT, m.now().await + HOUR).await.unwrap();
    next_block(&mut blocks).await;
    m.advance(2 * HOUR).await;
    m.call(&c, m.escrow().refund(lapsing)).await.unwrap();
    let events = next_block(&mut blocks).await;
    assert_topics::<reputation::events::FailureRecorded>(
        &events,
        &[topic_of(&svc), topic_of(&ink(&c))],
    );

    // Escrow wired to an account that is no contract: the report fails, the claim not.
    let nobody = m.clients[1].account();
    let wire = m.escrow().set_reputation(&nobody);
    m.client.send(&m.deployer, wire).await.unwrap();
    next_block(&mut blocks).await;
    m.claim_batch(vec![m.voucher(&c, ch, 3 * UNIT)]).await;
    let events = next_block(&mut blocks).await;
    assert_topics::<escrow::events::ReputationReportFailed>(
        &events,
        &[topic_of(&gb_client::ink_account(&nobody))],
    );
}
