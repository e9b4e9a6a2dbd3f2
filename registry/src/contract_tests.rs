//! `#[ink::test]` tests of the contract's messages: callers come from the environment,
//! state changes emit events. (The rules and their error paths are tested exhaustively
//! on the logic in `data/tests.rs`; ranked discovery with a wired oracle needs a
//! cross-contract call, which the off-chain environment cannot run: the lead's drink
//! suite covers it, and `ranking.rs` tests the ordering.)

use crate::errors::Error;
use crate::events::*;
use crate::types::{ServiceSpec, ServiceUpdate, MAX_PAGE};
use crate::Registry;
use gb_interfaces::{ServiceDirectory, ServiceTerms};
use gb_testkit::{accounts, assert_topics, events, last_event, nth_last, set_caller};
use ink::prelude::string::{String, ToString};

fn s(v: &str) -> String {
    v.to_string()
}

fn spec(price: u128, tags: &[&str]) -> ServiceSpec {
    ServiceSpec {
        name: s("Vision"),
        price,
        payee: accounts().eve,
        endpoint: s("https://gw.example/v"),
        metadata_uri: s("ipfs://meta"),
        metadata_hash: [1; 32],
        tags: tags.iter().map(|t| s(t)).collect(),
    }
}

/// Alice deploys; Bob owns org "acme" with member Charlie and one service (id 1,
/// tags medical + vision, price 10).
fn setup() -> Registry {
    let a = accounts();
    set_caller(a.alice);
    let mut r = Registry::new();
    set_caller(a.bob);
    r.create_org(s("acme")).unwrap();
    r.add_member(s("acme"), a.charlie).unwrap();
    assert_eq!(
        r.register_service(s("acme"), spec(10, &["medical", "vision"])),
        Ok(1)
    );
    r
}

#[ink::test]
fn constructor_sets_owner_and_no_oracle() {
    set_caller(accounts().alice);
    let r = Registry::new();
    assert_eq!(r.owner(), accounts().alice);
    assert_eq!(r.reputation(), None);
    assert_eq!(r.next_service_id(), 1);
}

#[ink::test]
fn transfer_ownership_message() {
    let a = accounts();
    let mut r = setup();
    set_caller(a.bob);
    assert_eq!(r.transfer_ownership(a.bob), Err(Error::NotOwner));
    set_caller(a.alice);
    assert_eq!(r.transfer_ownership(a.django), Ok(()));
    assert_eq!(r.owner(), a.django);
    assert_eq!(
        last_event::<OwnershipTransferred>(),
        OwnershipTransferred {
            previous_owner: a.alice,
            new_owner: a.django,
        }
    );
}

#[ink::test]
fn set_reputation_message() {
    let a = accounts();
    let mut r = setup();
    set_caller(a.bob);
    assert_eq!(r.set_reputation(a.frank), Err(Error::NotOwner));
    set_caller(a.alice);
    assert_eq!(r.set_reputation(a.frank), Ok(()));
    assert_eq!(r.reputation(), Some(a.frank));
    let e = last_event::<ReputationSet>();
    assert_eq!(e.reputation, a.frank);
    assert_eq!(e.previous, None);
}

#[ink::test]
fn org_messages_and_events() {
    let a = accounts();
    let mut r = setup();
    let before = events().len();
    set_caller(a.django);
    assert_eq!(r.create_org(s("Bad Id")), Err(Error::OrgIdInvalidChar));
    assert_eq!(r.create_org(s("acme")), Err(Error::OrgIdTaken));
    assert_eq!(r.create_org(s("dj")), Ok(()));
    assert_eq!(
        last_event::<OrgCreated>(),
        OrgCreated {
            org_id: s("dj"),
            owner: a.django
        }
    );
    assert_eq!(r.add_member(s("acme"), a.eve), Err(Error::NotOrgOwner));
    assert_eq!(r.add_member(s("dj"), a.eve), Ok(()));
    assert_eq!(last_event::<OrgMemberAdded>().member, a.eve);
    assert_eq!(r.org(s("dj")).unwrap().members, vec![a.eve]);
    set_caller(a.eve);
    assert_eq!(r.remove_member(s("dj"), a.eve), Ok(()));
    assert_eq!(last_event::<OrgMemberRemoved>().by, a.eve);
    assert_eq!(r.remove_member(s("dj"), a.eve), Err(Error::NotMember));
    assert_eq!(
        r.transfer_org_ownership(s("dj"), a.eve),
        Err(Error::NotOrgOwner)
    );
    set_caller(a.django);
    assert_eq!(r.transfer_org_ownership(s("dj"), a.eve), Ok(()));
    assert_eq!(last_event::<OrgOwnershipTransferred>().new_owner, a.eve);
    assert_eq!(r.delete_org(s("dj")), Err(Error::NotOrgOwner));
    set_caller(a.eve);
    assert_eq!(r.delete_org(s("nope")), Err(Error::OrgNotFound));
    assert_eq!(r.delete_org(s("dj")), Ok(()));
    assert_eq!(last_event::<OrgDeleted>().org_id, "dj");
    assert_eq!(r.org(s("dj")), None);
    set_caller(a.bob);
    assert_eq!(r.delete_org(s("acme")), Err(Error::OrgHasServices));
    // create, add, remove, transfer, delete: one event each; failures emit none.
    assert_eq!(events().len(), before + 5);
}

#[ink::test]
fn register_service_message() {
    let a = accounts();
    let mut r = setup();
    let e = last_event::<ServiceRegistered>();
    assert_eq!(
        (e.service_id, e.price, e.payee, e.by),
        (1, 10, a.eve, a.bob)
    );
    set_caller(a.charlie);
    assert_eq!(r.register_service(s("acme"), spec(3, &[])), Ok(2));
    assert_eq!(r.next_service_id(), 3);
    set_caller(a.django);
    assert_eq!(
        r.register_service(s("acme"), spec(3, &[])),
        Err(Error::NotOrgMember)
    );
    set_caller(a.bob);
    assert_eq!(
        r.register_service(s("acme"), spec(3, &["a", "a"])),
        Err(Error::DuplicateTag)
    );
    let svc = r.service(2).unwrap();
    assert_eq!(
        (svc.org_id.as_str(), svc.price, svc.active),
        ("acme", 3, true)
    );
    assert_eq!(r.service(3), None);
}

#[ink::test]
fn update_service_message() {
    let a = accounts();
    let mut r = setup();
    let update = ServiceUpdate {
        price: Some(20),
        tags: Some(vec![s("financial")]),
        ..Default::default()
    };
    set_caller(a.django);
    assert_eq!(
        r.update_service(1, update.clone()),
        Err(Error::NotOrgMember)
    );
    set_caller(a.charlie);
    assert_eq!(
        r.update_service(7, update.clone()),
        Err(Error::ServiceNotFound)
    );
    assert_eq!(r.update_service(1, update), Ok(()));
    let e = last_event::<ServiceUpdated>();
    assert_eq!(
        (e.service_id, e.price, e.tags_changed, e.by),
        (1, 20, true, a.charlie)
    );
    assert_eq!(r.price(1), Some(20));
    assert_eq!(r.services_of_tag(s("medical"), 0, 0).total, 0);
    assert_eq!(r.services_of_tag(s("financial"), 0, 0).total, 1);
}

#[ink::test]
fn delist_and_relist_messages() {
    let a = accounts();
    let mut r = setup();
    set_caller(a.django);
    assert_eq!(r.delist_service(1), Err(Error::NotOrgMember));
    assert_eq!(r.relist_service(1), Err(Error::NotOrgMember));
    set_caller(a.charlie);
    assert_eq!(r.relist_service(1), Err(Error::AlreadyListed));
    assert_eq!(r.delist_service(1), Ok(()));
    assert_eq!(last_event::<ServiceDelisted>().service_id, 1);
    assert!(!r.is_active(1));
    assert_eq!(
        r.service_terms(1),
        Some(ServiceTerms {
            payee: a.eve,
            price: 10,
            active: false
        })
    );
    assert!(r.ranked_by_tag(s("medical"), 0, 0).entries.is_empty());
    assert_eq!(r.delist_service(1), Err(Error::AlreadyDelisted));
    assert_eq!(r.relist_service(1), Ok(()));
    assert_eq!(last_event::<ServiceRelisted>().service_id, 1);
    assert!(r.is_active(1));
    assert_eq!(r.delist_service(9), Err(Error::ServiceNotFound));
}

#[ink::test]
fn delete_service_message() {
    let a = accounts();
    let mut r = setup();
    set_caller(a.django);
    assert_eq!(r.delete_service(1), Err(Error::NotOrgMember));
    set_caller(a.bob);
    assert_eq!(r.delete_service(1), Ok(()));
    assert_eq!(last_event::<ServiceDeleted>().service_id, 1);
    assert_eq!(r.delete_service(1), Err(Error::ServiceNotFound));
    assert_eq!(r.service(1), None);
    assert!(!r.is_active(1));
    assert_eq!(r.payee(1), None);
    assert_eq!(r.price(1), None);
    assert_eq!(r.services_of_org(s("acme"), 0, 0).total, 0);
    // The id is not reused, and the now empty org can be deleted.
    assert_eq!(r.register_service(s("acme"), spec(1, &[])), Ok(2));
    assert_eq!(r.delete_service(2), Ok(()));
    assert_eq!(r.delete_org(s("acme")), Ok(()));
}

#[ink::test]
fn lookups_used_by_escrow_and_reputation() {
    let a = accounts();
    let r = setup();
    assert!(r.is_active(1));
    assert_eq!(r.payee(1), Some(a.eve));
    assert_eq!(r.price(1), Some(10));
    assert_eq!(
        r.service_terms(1),
        Some(ServiceTerms {
            payee: a.eve,
            price: 10,
            active: true
        })
    );
    assert_eq!(r.service_terms(2), None);
    assert!(!r.is_active(2));
    assert!(r.is_affiliated(1, a.bob));
    assert!(r.is_affiliated(1, a.charlie));
    assert!(r.is_affiliated(1, a.eve));
    assert!(!r.is_affiliated(1, a.django));
    assert!(!r.is_affiliated(2, a.bob));
}

#[ink::test]
fn paginated_reads() {
    let a = accounts();
    let mut r = setup();
    set_caller(a.bob);
    for p in 0..MAX_PAGE {
        r.register_service(s("acme"), spec(u128::from(p), &["vision"]))
            .unwrap();
    }
    let org_page = r.services_of_org(s("acme"), 0, 0);
    assert_eq!(org_page.services.len() as u32, MAX_PAGE);
    assert_eq!(org_page.total, MAX_PAGE + 1);
    assert_eq!(org_page.next_cursor, Some(MAX_PAGE));
    let tag_page = r.services_of_tag(s("vision"), MAX_PAGE, 10);
    assert_eq!(tag_page.services.len(), 1);
    assert_eq!(tag_page.next_cursor, None);
    assert_eq!(r.services_of_tag(s("medical"), 0, 0).total, 1);
    assert_eq!(r.services_of_tag("x".repeat(1000), 0, 0).total, 0);
}

#[ink::test]
fn ranked_by_tag_without_oracle_orders_by_price() {
    let a = accounts();
    let mut r = setup();
    set_caller(a.bob);
    assert_eq!(r.register_service(s("acme"), spec(5, &["medical"])), Ok(2));
    assert_eq!(r.register_service(s("acme"), spec(7, &["medical"])), Ok(3));
    r.delist_service(3).unwrap();
    let page = r.ranked_by_tag(s("medical"), 0, 0);
    assert_eq!(page.total, 2, "the active services only");
    assert_eq!(page.next_cursor, None);
    let got: Vec<_> = page
        .entries
        .iter()
        .map(|e| (e.service_id, e.price, e.score))
        .collect();
    assert_eq!(got, vec![(2, 5, 0), (1, 10, 0)]);
    assert_eq!(page.entries[0].payee, a.eve);
    assert_eq!(page.entries[0].endpoint, "https://gw.example/v");
    assert!(r.ranked_by_tag(s("unknown"), 0, 0).entries.is_empty());
    assert_eq!(r.ranked_by_tag("T".repeat(999), 0, 0).total, 0);
}

#[ink::test]
fn promote_and_top_by_tag_without_oracle() {
    let a = accounts();
    let mut r = setup();
    set_caller(a.bob);
    assert_eq!(r.register_service(s("acme"), spec(5, &["medical"])), Ok(2));
    assert_eq!(r.register_service(s("acme"), spec(7, &["vision"])), Ok(3));
    assert_eq!(r.top_by_tag(s("medical")).total, 0);
    // Anyone may promote: django is no member.
    set_caller(a.django);
    assert_eq!(r.promote(s("medical"), 1), Ok(()));
    assert_eq!(
        last_event::<Promoted>(),
        Promoted {
            tag: s("medical"),
            service_id: 1,
            evicted: None
        }
    );
    let before = events().len();
    assert_eq!(r.promote(s("medical"), 1), Err(Error::AlreadyOnBoard));
    assert_eq!(r.promote(s("medical"), 3), Err(Error::NotTagged));
    assert_eq!(r.promote(s("medical"), 9), Err(Error::ServiceNotFound));
    set_caller(a.bob);
    r.delist_service(2).unwrap();
    set_caller(a.django);
    assert_eq!(r.promote(s("medical"), 2), Err(Error::ServiceInactive));
    assert_eq!(events().len(), before + 1, "only the delisting emitted");
    set_caller(a.bob);
    r.relist_service(2).unwrap();
    r.promote(s("medical"), 2).unwrap();
    // Without an oracle every score is 0: by price, then id.
    let top = r.top_by_tag(s("medical"));
    let got: Vec<_> = top
        .entries
        .iter()
        .map(|e| (e.service_id, e.price, e.score))
        .collect();
    assert_eq!(got, vec![(2, 5, 0), (1, 10, 0)]);
    assert_eq!((top.next_cursor, top.total), (None, 2));
    // A delisted member is left out, but still stored.
    r.delist_service(1).unwrap();
    let top = r.top_by_tag(s("medical"));
    assert_eq!(top.entries.len(), 1);
    assert_eq!(top.total, 2);
    assert_eq!(r.top_by_tag("T".repeat(999)).total, 0);
}

#[ink::test]
fn promote_on_a_full_board_without_oracle_has_no_scores() {
    let a = accounts();
    let mut r = setup();
    set_caller(a.bob);
    r.promote(s("vision"), 1).unwrap();
    for p in 1..MAX_PAGE {
        let id = r
            .register_service(s("acme"), spec(u128::from(p), &["vision"]))
            .unwrap();
        r.promote(s("vision"), id).unwrap();
    }
    let id = r.register_service(s("acme"), spec(1, &["vision"])).unwrap();
    assert_eq!(r.promote(s("vision"), id), Err(Error::ScoresUnavailable));
    // A stale member needs no scores: it is replaced.
    r.delete_service(1).unwrap();
    assert_eq!(r.promote(s("vision"), id), Ok(()));
    assert_eq!(last_event::<Promoted>().evicted, Some(1));
    let top = r.top_by_tag(s("vision"));
    assert_eq!(top.entries.len() as u32, MAX_PAGE);
    let first: Vec<_> = top.entries[..2].iter().map(|e| e.service_id).collect();
    assert_eq!(first, vec![2, id], "price 1, lower id first");
}

#[ink::test]
fn every_event_carries_its_topics() {
    let a = accounts();
    let mut r = setup();
    let org = s("acme");
    use gb_testkit::topic_of as t;
    // setup: OrgCreated, OrgMemberAdded, ServiceRegistered.
    assert_topics::<OrgCreated>(&nth_last(2), &[t(&org), t(&a.bob)]);
    assert_topics::<OrgMemberAdded>(&nth_last(1), &[t(&org), t(&a.charlie)]);
    assert_topics::<ServiceRegistered>(&nth_last(0), &[t(&1u64), t(&org), t(&a.eve)]);
    set_caller(a.bob);
    let update = ServiceUpdate {
        price: Some(11),
        ..ServiceUpdate::default()
    };
    r.update_service(1, update).unwrap();
    assert_topics::<ServiceUpdated>(&nth_last(0), &[t(&1u64), t(&org)]);
    r.delist_service(1).unwrap();
    assert_topics::<ServiceDelisted>(&nth_last(0), &[t(&1u64), t(&org)]);
    r.relist_service(1).unwrap();
    assert_topics::<ServiceRelisted>(&nth_last(0), &[t(&1u64), t(&org)]);
    r.promote(s("medical"), 1).unwrap();
    assert_topics::<Promoted>(&nth_last(0), &[t(&s("medical"))]);
    r.delete_service(1).unwrap();
    assert_topics::<ServiceDeleted>(&nth_last(0), &[t(&1u64), t(&org)]);
    r.remove_member(org.clone(), a.charlie).unwrap();
    assert_topics::<OrgMemberRemoved>(&nth_last(0), &[t(&org), t(&a.charlie)]);
    r.transfer_org_ownership(org.clone(), a.django).unwrap();
    assert_topics::<OrgOwnershipTransferred>(&nth_last(0), &[t(&org), t(&a.django)]);
    set_caller(a.django);
    r.delete_org(org.clone()).unwrap();
    assert_topics::<OrgDeleted>(&nth_last(0), &[t(&org)]);
    set_caller(a.alice);
    r.set_reputation(a.frank).unwrap();
    assert_topics::<ReputationSet>(&nth_last(0), &[t(&a.frank)]);
    r.transfer_ownership(a.bob).unwrap();
    assert_topics::<OwnershipTransferred>(&nth_last(0), &[t(&a.alice), t(&a.bob)]);
    // An org id of 32 bytes encodes to 33 (length prefix): its topic is the hash.
    set_caller(a.bob);
    let long = "a".repeat(crate::types::MAX_ID_LEN);
    r.create_org(long.clone()).unwrap();
    let hashed = t(&long);
    assert_ne!(
        &hashed[..2],
        &[128, b'a'],
        "hashed, not the padded encoding"
    );
    assert_topics::<OrgCreated>(&nth_last(0), &[hashed, t(&a.bob)]);
}
