//! Tests of the registry logic: every method, every error path.

use super::*;
use crate::types::{MAX_ID_LEN, MAX_NAME_LEN, MAX_PAGE, MAX_TAGS, MAX_URL_LEN};
use ink::prelude::{format, string::ToString};

fn acc(n: u8) -> AccountId {
    AccountId::from([n; 32])
}
const T0: Timestamp = 1_000;
const T1: Timestamp = 2_000;

fn alice() -> AccountId {
    acc(1)
}
fn bob() -> AccountId {
    acc(2)
}
fn carol() -> AccountId {
    acc(3)
}
fn payee() -> AccountId {
    acc(9)
}

fn s(v: &str) -> String {
    v.to_string()
}

fn spec(price: u128, tags: &[&str]) -> ServiceSpec {
    ServiceSpec {
        name: s("Summarizer"),
        price,
        payee: payee(),
        endpoint: s("https://gw.acme.ai/summarize"),
        metadata_uri: s("ipfs://bafymeta"),
        metadata_hash: [7; 32],
        tags: tags.iter().map(|t| s(t)).collect(),
    }
}

/// Contract owned by carol; org "acme" owned by alice with member bob.
fn setup() -> RegistryData {
    let mut r = RegistryData::new(carol());
    r.create_org(alice(), s("acme"), T0).unwrap();
    r.add_member(alice(), s("acme"), bob()).unwrap();
    r
}

fn register(r: &mut RegistryData, price: u128, tags: &[&str]) -> ServiceId {
    r.register_service(alice(), s("acme"), spec(price, tags), T0)
        .unwrap()
        .0
}

fn ids(page: &ServicePage) -> Vec<ServiceId> {
    page.services.iter().map(|x| x.service_id).collect()
}

// ----- administration --------------------------------------------------------------

#[ink::test]
fn new_registry_is_empty() {
    let r = RegistryData::new(carol());
    assert_eq!(r.owner(), carol());
    assert_eq!(r.reputation(), None);
    assert_eq!(r.next_service_id(), 1);
    assert_eq!(r.service(1), None);
    assert_eq!(r.org("acme"), None);
}

#[ink::test]
fn transfer_ownership_by_owner_only() {
    let mut r = RegistryData::new(carol());
    assert_eq!(r.transfer_ownership(alice(), bob()), Err(Error::NotOwner));
    let ev = r.transfer_ownership(carol(), bob()).unwrap();
    assert_eq!(
        ev,
        vec![Event::OwnershipTransferred(OwnershipTransferred {
            previous_owner: carol(),
            new_owner: bob(),
        })]
    );
    assert_eq!(r.owner(), bob());
    assert_eq!(r.set_reputation(carol(), acc(50)), Err(Error::NotOwner));
}

#[ink::test]
fn set_reputation_by_owner_only() {
    let mut r = RegistryData::new(carol());
    assert_eq!(r.set_reputation(alice(), acc(50)), Err(Error::NotOwner));
    assert_eq!(r.reputation(), None);
    let ev = r.set_reputation(carol(), acc(50)).unwrap();
    assert_eq!(
        ev,
        vec![Event::ReputationSet(ReputationSet {
            previous: None,
            reputation: acc(50)
        })]
    );
    let ev = r.set_reputation(carol(), acc(51)).unwrap();
    assert_eq!(
        ev,
        vec![Event::ReputationSet(ReputationSet {
            previous: Some(acc(50)),
            reputation: acc(51)
        })]
    );
    assert_eq!(r.reputation(), Some(acc(51)));
}

// ----- organizations ---------------------------------------------------------------

#[ink::test]
fn create_org_records_owner_and_time() {
    let mut r = RegistryData::new(carol());
    let ev = r.create_org(alice(), s("acme-ai-2"), T0).unwrap();
    assert_eq!(
        ev,
        vec![Event::OrgCreated(OrgCreated {
            org_id: s("acme-ai-2"),
            owner: alice()
        })]
    );
    let org = r.org("acme-ai-2").unwrap();
    assert_eq!(org.owner, alice());
    assert!(org.members.is_empty());
    assert_eq!(org.created_at, T0);
}

#[ink::test]
fn create_org_rejects_bad_ids() {
    let mut r = RegistryData::new(carol());
    assert_eq!(r.create_org(alice(), s(""), T0), Err(Error::OrgIdEmpty));
    assert_eq!(
        r.create_org(alice(), "a".repeat(MAX_ID_LEN + 1), T0),
        Err(Error::OrgIdTooLong)
    );
    assert_eq!(
        r.create_org(alice(), s("Acme"), T0),
        Err(Error::OrgIdInvalidChar)
    );
    assert_eq!(
        r.create_org(alice(), s("acme ai"), T0),
        Err(Error::OrgIdInvalidChar)
    );
    assert!(r.create_org(alice(), "a".repeat(MAX_ID_LEN), T0).is_ok());
}

#[ink::test]
fn org_ids_are_unique_and_never_reused() {
    let mut r = setup();
    assert_eq!(r.create_org(bob(), s("acme"), T0), Err(Error::OrgIdTaken));
    r.delete_org(alice(), s("acme")).unwrap();
    assert_eq!(r.org("acme"), None);
    assert_eq!(r.create_org(bob(), s("acme"), T1), Err(Error::OrgIdTaken));
    assert_eq!(r.create_org(alice(), s("acme"), T1), Err(Error::OrgIdTaken));
}

#[ink::test]
fn org_read_ignores_invalid_ids() {
    let r = setup();
    assert_eq!(r.org(&"a".repeat(200)), None);
    assert_eq!(r.org("ACME"), None);
}

#[ink::test]
fn transfer_org_ownership_by_owner_only() {
    let mut r = setup();
    assert_eq!(
        r.transfer_org_ownership(bob(), s("acme"), bob()),
        Err(Error::NotOrgOwner)
    );
    assert_eq!(
        r.transfer_org_ownership(alice(), s("nope"), bob()),
        Err(Error::OrgNotFound)
    );
    let ev = r
        .transfer_org_ownership(alice(), s("acme"), carol())
        .unwrap();
    assert_eq!(
        ev,
        vec![Event::OrgOwnershipTransferred(OrgOwnershipTransferred {
            org_id: s("acme"),
            previous_owner: alice(),
            new_owner: carol()
        })]
    );
    let org = r.org("acme").unwrap();
    assert_eq!(org.owner, carol());
    assert_eq!(org.members, vec![bob()]);
    // The old owner lost every right.
    assert_eq!(
        r.add_member(alice(), s("acme"), acc(20)),
        Err(Error::NotOrgOwner)
    );
    assert_eq!(
        r.register_service(alice(), s("acme"), spec(1, &[]), T0),
        Err(Error::NotOrgMember)
    );
}

#[ink::test]
fn transfer_org_ownership_to_a_member_removes_the_membership() {
    let mut r = setup();
    let ev = r.transfer_org_ownership(alice(), s("acme"), bob()).unwrap();
    assert_eq!(ev.len(), 2);
    assert_eq!(
        ev[0],
        Event::OrgMemberRemoved(OrgMemberRemoved {
            org_id: s("acme"),
            member: bob(),
            by: alice()
        })
    );
    let org = r.org("acme").unwrap();
    assert_eq!(org.owner, bob());
    assert!(org.members.is_empty());
}

#[ink::test]
fn add_member_rules() {
    let mut r = setup();
    assert_eq!(
        r.add_member(bob(), s("acme"), carol()),
        Err(Error::NotOrgOwner)
    );
    assert_eq!(
        r.add_member(alice(), s("nope"), carol()),
        Err(Error::OrgNotFound)
    );
    assert_eq!(
        r.add_member(alice(), s("acme"), bob()),
        Err(Error::AlreadyMember)
    );
    assert_eq!(
        r.add_member(alice(), s("acme"), alice()),
        Err(Error::AlreadyMember)
    );
    let ev = r.add_member(alice(), s("acme"), carol()).unwrap();
    assert_eq!(
        ev,
        vec![Event::OrgMemberAdded(OrgMemberAdded {
            org_id: s("acme"),
            member: carol()
        })]
    );
    assert_eq!(r.org("acme").unwrap().members, vec![bob(), carol()]);
}

#[ink::test]
fn members_are_bounded() {
    let mut r = setup();
    for n in 0..(MAX_MEMBERS - 1) {
        r.add_member(alice(), s("acme"), acc(100 + n as u8))
            .unwrap();
    }
    assert_eq!(r.org("acme").unwrap().members.len(), MAX_MEMBERS);
    assert_eq!(
        r.add_member(alice(), s("acme"), acc(200)),
        Err(Error::TooManyMembers)
    );
}

#[ink::test]
fn remove_member_by_owner_or_self() {
    let mut r = setup();
    r.add_member(alice(), s("acme"), carol()).unwrap();
    assert_eq!(
        r.remove_member(bob(), s("acme"), carol()),
        Err(Error::NotOrgOwner)
    );
    assert_eq!(
        r.remove_member(acc(30), s("acme"), bob()),
        Err(Error::NotOrgOwner)
    );
    assert_eq!(
        r.remove_member(alice(), s("nope"), bob()),
        Err(Error::OrgNotFound)
    );
    assert_eq!(
        r.remove_member(alice(), s("acme"), acc(30)),
        Err(Error::NotMember)
    );
    assert_eq!(
        r.remove_member(alice(), s("acme"), alice()),
        Err(Error::NotMember)
    );
    let ev = r.remove_member(alice(), s("acme"), carol()).unwrap();
    assert_eq!(
        ev,
        vec![Event::OrgMemberRemoved(OrgMemberRemoved {
            org_id: s("acme"),
            member: carol(),
            by: alice()
        })]
    );
    // A member may leave on its own.
    let ev = r.remove_member(bob(), s("acme"), bob()).unwrap();
    assert_eq!(
        ev,
        vec![Event::OrgMemberRemoved(OrgMemberRemoved {
            org_id: s("acme"),
            member: bob(),
            by: bob()
        })]
    );
    assert!(r.org("acme").unwrap().members.is_empty());
    // A former member manages nothing.
    assert_eq!(
        r.register_service(bob(), s("acme"), spec(1, &[]), T0),
        Err(Error::NotOrgMember)
    );
}

#[ink::test]
fn delete_org_rules() {
    let mut r = setup();
    let id = register(&mut r, 5, &["medical"]);
    assert_eq!(r.delete_org(bob(), s("acme")), Err(Error::NotOrgOwner));
    assert_eq!(r.delete_org(alice(), s("nope")), Err(Error::OrgNotFound));
    assert_eq!(r.delete_org(alice(), s("acme")), Err(Error::OrgHasServices));
    r.delete_service(alice(), id).unwrap();
    let ev = r.delete_org(alice(), s("acme")).unwrap();
    assert_eq!(
        ev,
        vec![Event::OrgDeleted(OrgDeleted {
            org_id: s("acme"),
            by: alice()
        })]
    );
    assert_eq!(r.org("acme"), None);
    assert_eq!(r.delete_org(alice(), s("acme")), Err(Error::OrgNotFound));
}

// ----- services --------------------------------------------------------------------

#[ink::test]
fn register_service_by_owner_and_member() {
    let mut r = setup();
    let (id, ev) = r
        .register_service(alice(), s("acme"), spec(5, &["medical", "vision"]), T0)
        .unwrap();
    assert_eq!(id, 1);
    assert_eq!(
        ev,
        vec![Event::ServiceRegistered(ServiceRegistered {
            service_id: 1,
            org_id: s("acme"),
            price: 5,
            payee: payee(),
            by: alice()
        })]
    );
    let (id2, _) = r
        .register_service(bob(), s("acme"), spec(6, &[]), T1)
        .unwrap();
    assert_eq!(id2, 2);
    assert_eq!(r.next_service_id(), 3);
    let svc = r.service(1).unwrap();
    assert_eq!(
        svc,
        Service {
            org_id: s("acme"),
            name: s("Summarizer"),
            price: 5,
            payee: payee(),
            endpoint: s("https://gw.acme.ai/summarize"),
            metadata_uri: s("ipfs://bafymeta"),
            metadata_hash: [7; 32],
            tags: vec![s("medical"), s("vision")],
            active: true,
            created_at: T0,
            updated_at: T0,
        }
    );
    assert_eq!(ids(&r.services_of_org("acme", 0, 0)), vec![1, 2]);
    assert_eq!(ids(&r.services_of_tag("medical", 0, 0)), vec![1]);
    assert_eq!(ids(&r.services_of_tag("vision", 0, 0)), vec![1]);
}

#[ink::test]
fn register_service_auth_errors() {
    let mut r = setup();
    assert_eq!(
        r.register_service(carol(), s("acme"), spec(1, &[]), T0),
        Err(Error::NotOrgMember)
    );
    assert_eq!(
        r.register_service(alice(), s("nope"), spec(1, &[]), T0),
        Err(Error::OrgNotFound)
    );
    assert_eq!(
        r.register_service(alice(), "x".repeat(300), spec(1, &[]), T0),
        Err(Error::OrgNotFound)
    );
    assert_eq!(r.next_service_id(), 1);
}

#[ink::test]
fn register_service_rejects_every_bad_field() {
    let mut r = setup();
    type Mutation = fn(&mut ServiceSpec);
    let cases: Vec<(Mutation, Error)> = vec![
        (|x| x.name = String::new(), Error::NameEmpty),
        (
            |x| x.name = "n".repeat(MAX_NAME_LEN + 1),
            Error::NameTooLong,
        ),
        (|x| x.name = s("a\u{0}b"), Error::NameInvalidChar),
        (|x| x.endpoint = String::new(), Error::EndpointEmpty),
        (
            |x| x.endpoint = "e".repeat(MAX_URL_LEN + 1),
            Error::EndpointTooLong,
        ),
        (
            |x| x.endpoint = s("https://a b"),
            Error::EndpointInvalidChar,
        ),
        (|x| x.metadata_uri = String::new(), Error::MetadataUriEmpty),
        (
            |x| x.metadata_uri = "m".repeat(MAX_URL_LEN + 1),
            Error::MetadataUriTooLong,
        ),
        (
            |x| x.metadata_uri = s("ipfs://\n"),
            Error::MetadataUriInvalidChar,
        ),
        (
            |x| x.tags = (0..=MAX_TAGS).map(|i| format!("t{i}")).collect(),
            Error::TooManyTags,
        ),
        (|x| x.tags = vec![String::new()], Error::TagEmpty),
        (
            |x| x.tags = vec!["t".repeat(MAX_ID_LEN + 1)],
            Error::TagTooLong,
        ),
        (|x| x.tags = vec![s("Medical")], Error::TagInvalidChar),
        (|x| x.tags = vec![s("a"), s("a")], Error::DuplicateTag),
    ];
    for (mutate, err) in cases {
        let mut bad = spec(1, &["ok"]);
        mutate(&mut bad);
        assert_eq!(r.register_service(alice(), s("acme"), bad, T0), Err(err));
    }
    // Nothing was written and no id was consumed.
    assert_eq!(r.next_service_id(), 1);
    assert_eq!(r.services_of_org("acme", 0, 0).total, 0);
    assert_eq!(r.services_of_tag("ok", 0, 0).total, 0);
    // The bounds themselves are accepted.
    let mut max = spec(1, &[]);
    max.name = "n".repeat(MAX_NAME_LEN);
    max.endpoint = "e".repeat(MAX_URL_LEN);
    max.metadata_uri = "m".repeat(MAX_URL_LEN);
    max.tags = (0..MAX_TAGS)
        .map(|i| format!("{i}").repeat(MAX_ID_LEN))
        .collect();
    assert_eq!(
        r.register_service(alice(), s("acme"), max, T0).map(|x| x.0),
        Ok(1)
    );
}

#[ink::test]
fn register_service_id_overflow() {
    let mut r = setup();
    r.next_service_id = ServiceId::MAX;
    assert_eq!(
        r.register_service(alice(), s("acme"), spec(1, &[]), T0),
        Err(Error::Overflow)
    );
}

#[ink::test]
fn service_ids_are_never_reused() {
    let mut r = setup();
    let a = register(&mut r, 1, &["x"]);
    let b = register(&mut r, 1, &["x"]);
    r.delete_service(alice(), b).unwrap();
    let c = register(&mut r, 1, &["x"]);
    assert_eq!((a, b, c), (1, 2, 3));
    assert_eq!(r.service(b), None);
}

#[ink::test]
fn update_service_changes_every_field() {
    let mut r = setup();
    let id = register(&mut r, 5, &["medical", "vision"]);
    let update = ServiceUpdate {
        name: Some(s("Summarizer Pro")),
        price: Some(8),
        payee: Some(acc(10)),
        endpoint: Some(s("https://gw2.acme.ai")),
        metadata: Some((s("ipfs://new"), [9; 32])),
        tags: Some(vec![s("vision"), s("financial")]),
    };
    let ev = r.update_service(bob(), id, update, T1).unwrap();
    assert_eq!(
        ev,
        vec![Event::ServiceUpdated(ServiceUpdated {
            service_id: id,
            org_id: s("acme"),
            price: 8,
            payee: acc(10),
            tags_changed: true,
            by: bob()
        })]
    );
    let svc = r.service(id).unwrap();
    assert_eq!(svc.name, "Summarizer Pro");
    assert_eq!(svc.price, 8);
    assert_eq!(svc.payee, acc(10));
    assert_eq!(svc.endpoint, "https://gw2.acme.ai");
    assert_eq!(svc.metadata_uri, "ipfs://new");
    assert_eq!(svc.metadata_hash, [9; 32]);
    assert_eq!(svc.tags, vec![s("vision"), s("financial")]);
    assert_eq!(svc.created_at, T0);
    assert_eq!(svc.updated_at, T1);
    // The tag indexes follow the new set.
    assert_eq!(r.services_of_tag("medical", 0, 0).total, 0);
    assert_eq!(ids(&r.services_of_tag("vision", 0, 0)), vec![id]);
    assert_eq!(ids(&r.services_of_tag("financial", 0, 0)), vec![id]);
}

#[ink::test]
fn empty_update_only_touches_the_timestamp() {
    let mut r = setup();
    let id = register(&mut r, 5, &["medical"]);
    let before = r.service(id).unwrap();
    let ev = r
        .update_service(alice(), id, ServiceUpdate::default(), T1)
        .unwrap();
    assert_eq!(
        ev,
        vec![Event::ServiceUpdated(ServiceUpdated {
            service_id: id,
            org_id: s("acme"),
            price: 5,
            payee: payee(),
            tags_changed: false,
            by: alice()
        })]
    );
    let after = r.service(id).unwrap();
    assert_eq!(after.updated_at, T1);
    assert_eq!(
        Service {
            updated_at: T0,
            ..after
        },
        before
    );
}

#[ink::test]
fn update_service_errors() {
    let mut r = setup();
    let id = register(&mut r, 5, &["medical"]);
    let price = |p| ServiceUpdate {
        price: Some(p),
        ..Default::default()
    };
    assert_eq!(
        r.update_service(alice(), 99, price(1), T1),
        Err(Error::ServiceNotFound)
    );
    assert_eq!(
        r.update_service(carol(), id, price(1), T1),
        Err(Error::NotOrgMember)
    );
    let cases = [
        (
            ServiceUpdate {
                name: Some("n".repeat(MAX_NAME_LEN + 1)),
                ..Default::default()
            },
            Error::NameTooLong,
        ),
        (
            ServiceUpdate {
                endpoint: Some(String::new()),
                ..Default::default()
            },
            Error::EndpointEmpty,
        ),
        (
            ServiceUpdate {
                metadata: Some((String::new(), [0; 32])),
                ..Default::default()
            },
            Error::MetadataUriEmpty,
        ),
        (
            ServiceUpdate {
                tags: Some(vec![s("ok"), s("Bad")]),
                ..Default::default()
            },
            Error::TagInvalidChar,
        ),
        (
            ServiceUpdate {
                tags: Some((0..=MAX_TAGS).map(|i| format!("t{i}")).collect()),
                ..Default::default()
            },
            Error::TooManyTags,
        ),
        (
            // A valid field together with an invalid one: nothing is applied.
            ServiceUpdate {
                price: Some(1),
                tags: Some(vec![s("x"), s("x")]),
                ..Default::default()
            },
            Error::DuplicateTag,
        ),
    ];
    for (update, err) in cases {
        assert_eq!(r.update_service(alice(), id, update, T1), Err(err));
    }
    let svc = r.service(id).unwrap();
    assert_eq!((svc.price, svc.updated_at), (5, T0));
    assert_eq!(ids(&r.services_of_tag("medical", 0, 0)), vec![id]);
}

#[ink::test]
fn delist_and_relist() {
    let mut r = setup();
    let id = register(&mut r, 5, &["medical"]);
    assert_eq!(
        r.set_listed(alice(), id, true, T1),
        Err(Error::AlreadyListed)
    );
    let ev = r.set_listed(bob(), id, false, T1).unwrap();
    assert_eq!(
        ev,
        vec![Event::ServiceDelisted(ServiceDelisted {
            service_id: id,
            org_id: s("acme"),
            by: bob()
        })]
    );
    assert_eq!(
        r.service_terms(id),
        Some(ServiceTerms {
            payee: payee(),
            price: 5,
            active: false
        })
    );
    assert_eq!(r.service(id).unwrap().updated_at, T1);
    // Still listed by org and tag, but not a ranking candidate.
    assert_eq!(ids(&r.services_of_org("acme", 0, 0)), vec![id]);
    let page = r.services_of_tag("medical", 0, 0);
    assert!(!page.services[0].active);
    assert!(r.ranking_candidates("medical", 0, 0).0.is_empty());
    assert_eq!(
        r.set_listed(alice(), id, false, T1),
        Err(Error::AlreadyDelisted)
    );
    let ev = r.set_listed(alice(), id, true, T1).unwrap();
    assert_eq!(
        ev,
        vec![Event::ServiceRelisted(ServiceRelisted {
            service_id: id,
            org_id: s("acme"),
            by: alice()
        })]
    );
    assert!(r.service_terms(id).unwrap().active);
    assert_eq!(r.ranking_candidates("medical", 0, 0).0.len(), 1);
}

#[ink::test]
fn delist_relist_errors() {
    let mut r = setup();
    let id = register(&mut r, 5, &[]);
    for listed in [true, false] {
        assert_eq!(
            r.set_listed(carol(), id, listed, T1),
            Err(Error::NotOrgMember)
        );
        assert_eq!(
            r.set_listed(alice(), 42, listed, T1),
            Err(Error::ServiceNotFound)
        );
    }
}

#[ink::test]
fn delete_service_removes_it_everywhere() {
    let mut r = setup();
    let a = register(&mut r, 5, &["medical", "vision"]);
    let b = register(&mut r, 6, &["medical"]);
    assert_eq!(r.delete_service(carol(), a), Err(Error::NotOrgMember));
    assert_eq!(r.delete_service(alice(), 42), Err(Error::ServiceNotFound));
    let ev = r.delete_service(bob(), a).unwrap();
    assert_eq!(
        ev,
        vec![Event::ServiceDeleted(ServiceDeleted {
            service_id: a,
            org_id: s("acme"),
            by: bob()
        })]
    );
    assert_eq!(r.service(a), None);
    assert_eq!(r.service_terms(a), None);
    assert!(!r.is_affiliated(a, alice()));
    assert_eq!(ids(&r.services_of_org("acme", 0, 0)), vec![b]);
    assert_eq!(ids(&r.services_of_tag("medical", 0, 0)), vec![b]);
    assert_eq!(r.services_of_tag("vision", 0, 0).total, 0);
    assert_eq!(r.delete_service(alice(), a), Err(Error::ServiceNotFound));
}

// ----- reads -----------------------------------------------------------------------

#[ink::test]
fn pages_of_an_org() {
    let mut r = setup();
    for p in 1..=(MAX_PAGE as u128 + 2) {
        register(&mut r, p, &[]);
    }
    let first = r.services_of_org("acme", 0, 0);
    assert_eq!(first.services.len() as u32, MAX_PAGE);
    assert_eq!(first.next_cursor, Some(MAX_PAGE));
    assert_eq!(first.total, MAX_PAGE + 2);
    assert_eq!(
        first.services[0],
        ServiceSummary {
            service_id: 1,
            price: 1,
            payee: payee(),
            active: true
        }
    );
    let rest = r.services_of_org("acme", MAX_PAGE, 1000);
    assert_eq!(ids(&rest), vec![33, 34]);
    assert_eq!(rest.next_cursor, None);
    let small = r.services_of_org("acme", 3, 2);
    assert_eq!((ids(&small), small.next_cursor), (vec![4, 5], Some(5)));
    let past = r.services_of_org("acme", 999, 5);
    assert!(past.services.is_empty());
    assert_eq!(past.next_cursor, None);
}

#[ink::test]
fn pages_of_unknown_or_invalid_keys_are_empty() {
    let r = setup();
    let empty = ServicePage {
        services: Vec::new(),
        next_cursor: None,
        total: 0,
    };
    assert_eq!(r.services_of_org("nope", 0, 0), empty);
    assert_eq!(r.services_of_org(&"a".repeat(500), 0, 0), empty);
    assert_eq!(r.services_of_tag("nope", 0, 0), empty);
    assert_eq!(r.services_of_tag("BAD TAG", 0, 0), empty);
    assert_eq!(
        r.ranking_candidates(&"t".repeat(500), 0, 0),
        (Vec::new(), None, 0)
    );
}

#[ink::test]
fn a_service_is_found_under_each_of_its_tags() {
    let mut r = setup();
    let a = register(&mut r, 5, &["medical", "vision"]);
    let b = register(&mut r, 6, &["financial", "vision"]);
    assert_eq!(ids(&r.services_of_tag("medical", 0, 0)), vec![a]);
    assert_eq!(ids(&r.services_of_tag("financial", 0, 0)), vec![b]);
    assert_eq!(ids(&r.services_of_tag("vision", 0, 0)), vec![a, b]);
}

#[ink::test]
fn org_and_tag_indexes_do_not_collide() {
    let mut r = RegistryData::new(carol());
    r.create_org(alice(), s("medical"), T0).unwrap();
    let a = r
        .register_service(alice(), s("medical"), spec(1, &[]), T0)
        .unwrap()
        .0;
    let b = r
        .register_service(alice(), s("medical"), spec(1, &["medical"]), T0)
        .unwrap()
        .0;
    assert_eq!(ids(&r.services_of_org("medical", 0, 0)), vec![a, b]);
    assert_eq!(ids(&r.services_of_tag("medical", 0, 0)), vec![b]);
}

#[ink::test]
fn ranking_candidates_are_the_active_ones_of_one_page() {
    let mut r = setup();
    let a = register(&mut r, 5, &["medical"]);
    let b = register(&mut r, 6, &["medical"]);
    let c = register(&mut r, 7, &["medical"]);
    let d = register(&mut r, 8, &["medical"]);
    r.set_listed(alice(), b, false, T1).unwrap();
    // The delisted b holds no position: pages are over the active a, d, c (d, the
    // last, took b's place).
    let (entries, next, total) = r.ranking_candidates("medical", 0, 2);
    assert_eq!(total, 3);
    assert_eq!(next, Some(2));
    assert_eq!(
        entries[0],
        RankedEntry {
            service_id: a,
            price: 5,
            score: 0,
            payee: payee(),
            endpoint: s("https://gw.acme.ai/summarize"),
        }
    );
    assert_eq!(entry_ids(&entries), vec![a, d]);
    let (entries, next, _) = r.ranking_candidates("medical", 2, 2);
    assert_eq!(entry_ids(&entries), vec![c]);
    assert_eq!(next, None);
}

fn entry_ids(entries: &[RankedEntry]) -> Vec<ServiceId> {
    entries.iter().map(|e| e.service_id).collect()
}

/// Every active service of `tag`, over all candidate pages (2 at a time).
fn all_active(r: &RegistryData, tag: &str) -> Vec<ServiceId> {
    let mut out = Vec::new();
    let mut cursor = Some(0);
    while let Some(c) = cursor {
        let (entries, next, _) = r.ranking_candidates(tag, c, 2);
        out.extend(entry_ids(&entries));
        cursor = next;
    }
    out.sort_unstable();
    out
}

/// The active index follows delist, relist, tag changes (also while delisted) and
/// deletion; `services_of_tag` keeps listing every service of the tag.
#[ink::test]
fn active_index_follows_listing_tags_and_deletion() {
    let mut r = setup();
    let a = register(&mut r, 5, &["medical", "vision"]);
    let b = register(&mut r, 6, &["medical"]);
    let c = register(&mut r, 7, &["medical"]);
    assert_eq!(all_active(&r, "medical"), vec![a, b, c]);
    r.set_listed(alice(), a, false, T1).unwrap();
    assert_eq!(all_active(&r, "medical"), vec![b, c]);
    assert_eq!(all_active(&r, "vision"), Vec::<ServiceId>::new());
    assert_eq!(r.ranking_candidates("vision", 0, 0), (Vec::new(), None, 0));
    assert_eq!(r.services_of_tag("medical", 0, 0).total, 3);
    r.set_listed(alice(), a, true, T1).unwrap();
    assert_eq!(all_active(&r, "medical"), vec![a, b, c]);
    assert_eq!(all_active(&r, "vision"), vec![a]);
    // A tag change of an active service: out of the old tag's, into the new one's.
    let retag = |tags: &[&str]| ServiceUpdate {
        tags: Some(tags.iter().map(|t| s(t)).collect()),
        ..Default::default()
    };
    r.update_service(alice(), c, retag(&["vision"]), T1)
        .unwrap();
    assert_eq!(all_active(&r, "medical"), vec![a, b]);
    assert_eq!(all_active(&r, "vision"), vec![a, c]);
    // A tag change while delisted: the tag listing follows, the active index does not
    // take the service until it is relisted.
    r.set_listed(alice(), b, false, T1).unwrap();
    r.update_service(alice(), b, retag(&["medical", "financial"]), T1)
        .unwrap();
    assert_eq!(ids(&r.services_of_tag("financial", 0, 0)), vec![b]);
    assert_eq!(r.ranking_candidates("financial", 0, 0).2, 0);
    assert_eq!(all_active(&r, "medical"), vec![a]);
    r.update_service(alice(), b, retag(&["vision"]), T1)
        .unwrap();
    r.set_listed(alice(), b, true, T1).unwrap();
    assert_eq!(all_active(&r, "vision"), vec![a, b, c]);
    assert_eq!(r.ranking_candidates("financial", 0, 0).2, 0);
    assert_eq!(r.ranking_candidates("medical", 0, 0).2, 1);
    // Deletion leaves every index.
    r.delete_service(alice(), a).unwrap();
    assert_eq!(all_active(&r, "medical"), Vec::<ServiceId>::new());
    assert_eq!(all_active(&r, "vision"), vec![b, c]);
    r.set_listed(alice(), c, false, T1).unwrap();
    r.delete_service(alice(), c).unwrap();
    assert_eq!(all_active(&r, "vision"), vec![b]);
    assert_eq!(r.ranking_candidates("vision", 0, 0).2, 1);
}

/// L7 (security review), the review's sequence: 32 services registered first under
/// `medical`, then an honest one. Delisted squatters no longer fill the first page
/// (before the fix page 0 was positions 0..32, all squatters, and the honest service
/// was on page 1 with `next_cursor = Some(32)`).
#[ink::test]
fn delisted_squatters_do_not_fill_the_first_ranked_page() {
    let mut r = setup();
    let squatters: Vec<_> = (0..MAX_PAGE)
        .map(|_| register(&mut r, 1, &["medical"]))
        .collect();
    let honest = register(&mut r, 5, &["medical"]);
    for id in &squatters[..16] {
        r.set_listed(alice(), *id, false, T1).unwrap();
    }
    // Moving a squatter into an early slot by deleting one of its own (swap-remove).
    let late = register(&mut r, 1, &["medical"]);
    r.delete_service(alice(), squatters[16]).unwrap();
    let (entries, next, total) = r.ranking_candidates("medical", 0, 0);
    assert!(entry_ids(&entries).contains(&honest), "{entries:?}");
    assert!(entry_ids(&entries).contains(&late));
    assert!(entries
        .iter()
        .all(|e| !squatters[..17].contains(&e.service_id)));
    assert_eq!((next, total), (None, 17));
}

// ----- leaderboards ----------------------------------------------------------------

/// Scores from a table: `service id → score`, 0 for ids not in it.
fn table(scores: &[(ServiceId, Ppm)]) -> impl FnOnce(Vec<ServiceId>) -> Option<Vec<Ppm>> + '_ {
    move |ids| {
        Some(
            ids.iter()
                .map(|id| {
                    scores
                        .iter()
                        .find(|(i, _)| i == id)
                        .map_or(0, |(_, sc)| *sc)
                })
                .collect(),
        )
    }
}

/// A scorer that must not be called (the board had room or a stale member).
fn unused(_: Vec<ServiceId>) -> Option<Vec<Ppm>> {
    panic!("no scores needed")
}

fn promoted(tag: &str, service_id: ServiceId, evicted: Option<ServiceId>) -> Vec<Event> {
    vec![Event::Promoted(Promoted {
        tag: s(tag),
        service_id,
        evicted,
    })]
}

fn board(r: &RegistryData, tag: &str) -> Vec<ServiceId> {
    let mut out = entry_ids(&r.board_entries(tag).0);
    out.sort_unstable();
    out
}

/// `n` services of price 1 under `medical`, all promoted (the board's room).
fn full_board(r: &mut RegistryData) -> Vec<ServiceId> {
    let members: Vec<_> = (0..MAX_PAGE)
        .map(|_| register(r, 1, &["medical"]))
        .collect();
    for id in &members {
        r.promote(s("medical"), *id, unused).unwrap();
    }
    members
}

#[ink::test]
fn promote_joins_while_there_is_room() {
    let mut r = setup();
    let a = register(&mut r, 5, &["medical", "vision"]);
    let b = register(&mut r, 3, &["medical"]);
    assert_eq!(r.board_entries("medical"), (Vec::new(), 0));
    assert_eq!(
        r.promote(s("medical"), a, unused),
        Ok(promoted("medical", a, None))
    );
    assert_eq!(
        r.promote(s("medical"), b, unused),
        Ok(promoted("medical", b, None))
    );
    let (entries, stored) = r.board_entries("medical");
    assert_eq!((entry_ids(&entries), stored), (vec![a, b], 2));
    assert_eq!(
        entries[1],
        RankedEntry {
            service_id: b,
            price: 3,
            score: 0,
            payee: payee(),
            endpoint: s("https://gw.acme.ai/summarize"),
        }
    );
    // Each tag has its own board.
    assert_eq!(board(&r, "vision"), Vec::<ServiceId>::new());
    r.promote(s("vision"), a, unused).unwrap();
    assert_eq!(board(&r, "vision"), vec![a]);
    assert_eq!(r.board_entries("BAD TAG"), (Vec::new(), 0));
}

#[ink::test]
fn promote_errors() {
    let mut r = setup();
    let a = register(&mut r, 5, &["medical"]);
    let b = register(&mut r, 5, &["vision"]);
    assert_eq!(
        r.promote(s("medical"), 42, unused),
        Err(Error::ServiceNotFound)
    );
    assert_eq!(r.promote(s("medical"), b, unused), Err(Error::NotTagged));
    assert_eq!(r.promote(s("BAD TAG"), a, unused), Err(Error::NotTagged));
    assert_eq!(r.promote("x".repeat(500), a, unused), Err(Error::NotTagged));
    r.set_listed(alice(), a, false, T1).unwrap();
    assert_eq!(
        r.promote(s("medical"), a, unused),
        Err(Error::ServiceInactive)
    );
    r.set_listed(alice(), a, true, T1).unwrap();
    r.promote(s("medical"), a, unused).unwrap();
    assert_eq!(
        r.promote(s("medical"), a, unused),
        Err(Error::AlreadyOnBoard)
    );
    assert_eq!(board(&r, "medical"), vec![a]);
}

/// A full board: a member that was delisted, deleted or untagged is replaced first,
/// without asking for scores, whatever the candidate's score.
#[ink::test]
fn promote_evicts_members_no_longer_listed_under_the_tag() {
    let mut r = setup();
    let members = full_board(&mut r);
    let stored = |r: &RegistryData| r.board_entries("medical").1;
    assert_eq!(stored(&r), MAX_PAGE);
    let retag = ServiceUpdate {
        tags: Some(vec![s("vision")]),
        ..Default::default()
    };
    r.set_listed(alice(), members[3], false, T1).unwrap();
    r.delete_service(alice(), members[7]).unwrap();
    r.update_service(alice(), members[9], retag, T1).unwrap();
    // Stale members are not shown but still stored.
    assert_eq!(r.board_entries("medical").0.len() as u32, MAX_PAGE - 3);
    assert_eq!(stored(&r), MAX_PAGE);
    for stale in [members[3], members[7], members[9]] {
        let c = register(&mut r, 1, &["medical"]);
        assert_eq!(
            r.promote(s("medical"), c, unused),
            Ok(promoted("medical", c, Some(stale)))
        );
    }
    assert_eq!(r.board_entries("medical").0.len() as u32, MAX_PAGE);
    // An evicted member does not come back when relisted.
    r.set_listed(alice(), members[3], true, T1).unwrap();
    assert!(!board(&r, "medical").contains(&members[3]));
}

/// A delisted member keeps its seat until a `promote` evicts it: relisted in between,
/// it counts again.
#[ink::test]
fn a_relisted_member_that_was_not_evicted_counts_again() {
    let mut r = setup();
    let members = full_board(&mut r);
    r.set_listed(alice(), members[0], false, T1).unwrap();
    assert!(!board(&r, "medical").contains(&members[0]));
    r.set_listed(alice(), members[0], true, T1).unwrap();
    assert!(board(&r, "medical").contains(&members[0]));
    let c = register(&mut r, 1, &["medical"]);
    assert_eq!(
        r.promote(s("medical"), c, |_| None),
        Err(Error::ScoresUnavailable)
    );
}

/// A full board of listed members: one oracle call over members + candidate; the
/// weakest (lowest score, then higher price, then higher id) goes if the candidate's
/// score is strictly higher.
#[ink::test]
fn promote_evicts_the_weakest_only_for_a_strictly_higher_score() {
    let mut r = setup();
    let members = full_board(&mut r);
    // Every member scores 500 except two at 100 (ids m[5] < m[6], same price).
    let mut scores: Vec<(ServiceId, Ppm)> = members.iter().map(|id| (*id, 500)).collect();
    scores[5].1 = 100;
    scores[6].1 = 100;
    let c = register(&mut r, 1, &["medical"]);
    // Equal to the weakest: refused, the board is unchanged.
    let mut tie = scores.clone();
    tie.push((c, 100));
    assert_eq!(
        r.promote(s("medical"), c, table(&tie)),
        Err(Error::NotBetter)
    );
    assert!(!board(&r, "medical").contains(&c));
    // The scorer is asked about the members in board order, then the candidate.
    let mut asked = Vec::new();
    let spy = |ids: Vec<ServiceId>| {
        asked = ids.clone();
        table(&tie)(ids)
    };
    assert_eq!(r.promote(s("medical"), c, spy), Err(Error::NotBetter));
    let mut expected = members.clone();
    expected.push(c);
    assert_eq!(asked, expected);
    // Higher: the weakest with the higher id goes (the last in ranking order).
    let mut better = scores.clone();
    better.push((c, 101));
    assert_eq!(
        r.promote(s("medical"), c, table(&better)),
        Ok(promoted("medical", c, Some(members[6])))
    );
    assert!(board(&r, "medical").contains(&c));
    assert!(!board(&r, "medical").contains(&members[6]));
}

#[ink::test]
fn promote_tie_breaks_the_weakest_by_higher_price_then_higher_id() {
    let mut r = setup();
    // 31 members at price 1 and one at price 9, every one scoring 500.
    let mut members: Vec<_> = (1..MAX_PAGE)
        .map(|_| register(&mut r, 1, &["medical"]))
        .collect();
    let pricey = register(&mut r, 9, &["medical"]);
    members.push(pricey);
    for id in &members {
        r.promote(s("medical"), *id, unused).unwrap();
    }
    let mut scores: Vec<(ServiceId, Ppm)> = members.iter().map(|id| (*id, 500)).collect();
    let c = register(&mut r, 1, &["medical"]);
    scores.push((c, 501));
    assert_eq!(
        r.promote(s("medical"), c, table(&scores)),
        Ok(promoted("medical", c, Some(pricey)))
    );
    // All at price 1 now: among the weakest (500), the highest id goes.
    let d = register(&mut r, 1, &["medical"]);
    scores.push((d, 501));
    let highest = members[MAX_PAGE as usize - 2];
    assert_eq!(
        r.promote(s("medical"), d, table(&scores)),
        Ok(promoted("medical", d, Some(highest)))
    );
    assert_eq!(r.board_entries("medical").1, MAX_PAGE);
}

#[ink::test]
fn promote_needs_scores_on_a_full_board_of_listed_members() {
    let mut r = setup();
    full_board(&mut r);
    let c = register(&mut r, 1, &["medical"]);
    assert_eq!(
        r.promote(s("medical"), c, |_| None),
        Err(Error::ScoresUnavailable)
    );
    // Too few scores (the oracle refuses long lists with an empty answer).
    assert_eq!(
        r.promote(s("medical"), c, |_| Some(Vec::new())),
        Err(Error::ScoresUnavailable)
    );
    assert_eq!(
        r.promote(s("medical"), c, |_| Some(vec![7; MAX_PAGE as usize])),
        Err(Error::ScoresUnavailable)
    );
    // Extra scores are ignored.
    let mut more = vec![7; MAX_PAGE as usize];
    more.extend([8, 0, 0]);
    assert!(r.promote(s("medical"), c, |_| Some(more)).is_ok());
}

/// L7 at the leaderboard: squatters that filled the board first cannot keep out a
/// better-scored service registered after them, nor evict it afterwards.
#[ink::test]
fn squatters_cannot_hold_or_retake_the_leaderboard() {
    let mut r = setup();
    let squatters = full_board(&mut r);
    let honest = register(&mut r, 5, &["medical"]);
    let prior = 262_000;
    let mut scores: Vec<(ServiceId, Ppm)> = squatters.iter().map(|id| (*id, prior)).collect();
    scores.push((honest, 820_000));
    let out = r.promote(s("medical"), honest, table(&scores)).unwrap();
    let Event::Promoted(Promoted {
        evicted: Some(gone),
        ..
    }) = out[0]
    else {
        panic!("{out:?}")
    };
    assert!(squatters.contains(&gone));
    assert_eq!(
        r.promote(s("medical"), gone, table(&scores)),
        Err(Error::NotBetter)
    );
    let fresh = register(&mut r, 1, &["medical"]);
    scores.push((fresh, prior));
    assert_eq!(
        r.promote(s("medical"), fresh, table(&scores)),
        Err(Error::NotBetter)
    );
    assert!(board(&r, "medical").contains(&honest));
}

#[ink::test]
fn ranking_candidates_page_is_bounded() {
    let mut r = setup();
    for _ in 0..(MAX_PAGE + 1) {
        register(&mut r, 1, &["busy"]);
    }
    let (entries, next, total) = r.ranking_candidates("busy", 0, u32::MAX);
    assert_eq!(entries.len() as u32, MAX_PAGE);
    assert_eq!(next, Some(MAX_PAGE));
    assert_eq!(total, MAX_PAGE + 1);
}

#[ink::test]
fn service_terms_of_known_and_unknown() {
    let mut r = setup();
    let id = register(&mut r, 5, &[]);
    assert_eq!(
        r.service_terms(id),
        Some(ServiceTerms {
            payee: payee(),
            price: 5,
            active: true
        })
    );
    assert_eq!(r.service_terms(0), None);
    assert_eq!(r.service_terms(id + 1), None);
}

#[ink::test]
fn affiliation_is_owner_member_or_payee() {
    let mut r = setup();
    let id = register(&mut r, 5, &[]);
    assert!(r.is_affiliated(id, alice()));
    assert!(r.is_affiliated(id, bob()));
    assert!(r.is_affiliated(id, payee()));
    assert!(!r.is_affiliated(id, carol()));
    assert!(!r.is_affiliated(id + 1, alice()));
}

/// L6 (security review): every payee of any of the org's services (a sibling service's
/// payee) and every account that ever owned, joined or was paid by the org stays
/// affiliated: leaving, rating and rejoining (or handing the org to a sock and back)
/// does not open a rating window.
#[ink::test]
fn affiliation_covers_sibling_payees_and_former_members() {
    let mut r = setup();
    let s1 = register(&mut r, 5, &[]);
    let mut sibling = spec(5, &[]);
    sibling.payee = acc(40);
    let (s2, _) = r.register_service(alice(), s("acme"), sibling, T0).unwrap();
    // (a) S2's payee is affiliated with S1.
    assert!(r.is_affiliated(s1, acc(40)));
    assert!(r.is_affiliated(s2, payee()));
    // (b) A member who leaves stays affiliated.
    r.remove_member(bob(), s("acme"), bob()).unwrap();
    assert!(r.is_affiliated(s1, bob()));
    // A payee that was replaced stays affiliated too.
    let update = ServiceUpdate {
        payee: Some(acc(41)),
        ..Default::default()
    };
    r.update_service(alice(), s2, update, T0).unwrap();
    assert!(r.is_affiliated(s1, acc(40)) && r.is_affiliated(s1, acc(41)));
    // Handing the org to a sock and back: the sock stays affiliated.
    r.transfer_org_ownership(alice(), s("acme"), acc(42))
        .unwrap();
    r.transfer_org_ownership(acc(42), s("acme"), alice())
        .unwrap();
    assert!(r.is_affiliated(s1, acc(42)));
    // Unrelated accounts are not.
    assert!(!r.is_affiliated(s1, carol()));
}
