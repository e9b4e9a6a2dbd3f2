//! The registry's logic, independent of the chain: every method takes the caller and
//! the time explicitly and returns the events to emit, so it is tested natively.
//!
//! Cost bounds (nothing iterates over a growing collection):
//! * org writes: O(1) + O(`MAX_MEMBERS`) membership scans;
//! * service writes: O(`MAX_TAGS`) index updates (O(`MAX_TAGS`²) comparisons when the
//!   tag set changes);
//! * `promote`: one leaderboard of at most `MAX_PAGE` ids, at most `MAX_PAGE` + 1
//!   record reads and one oracle call over at most `MAX_PAGE` + 1 ids;
//! * reads: at most `MAX_PAGE` index and record reads.
//!
//! Failing messages revert all their storage writes on chain (ink! sets the revert
//! flag on `Err`); the methods still validate everything before writing.

use crate::errors::{Error, Result};
use crate::events::*;
use crate::index::{page_size, IndexKey, ServiceIndex};
use crate::types::{
    Org, RankedEntry, Service, ServicePage, ServiceSpec, ServiceSummary, ServiceUpdate,
    MAX_MEMBERS, MAX_PAGE,
};
use crate::validate;
use core::cmp::Reverse;
use gb_interfaces::{AccountId, Ownable, Ppm, ServiceId, ServiceTerms, Timestamp};
use ink::prelude::{string::String, vec, vec::Vec};
use ink::storage::Mapping;

/// All registry state and the rules that change it.
#[ink::storage_item]
#[derive(Debug)]
pub struct RegistryData {
    /// Contract owner: wires the reputation oracle.
    ownable: Ownable,
    /// Reputation oracle used by ranked discovery.
    reputation: Option<AccountId>,
    /// Id the next service gets; starts at 1, only grows.
    next_service_id: ServiceId,
    /// Live organizations.
    orgs: Mapping<String, Org>,
    /// Ids of deleted organizations, reserved forever.
    retired_org_ids: Mapping<String, ()>,
    /// Live services.
    services: Mapping<ServiceId, Service>,
    /// Services of each organization and of each tag (delisted ones included), and the
    /// active services of each tag (what `ranked_by_tag` pages over).
    index: ServiceIndex,
    /// Each tag's leaderboard: at most `MAX_PAGE` service ids, in no order, changed only
    /// by `promote` (a member that was delisted, deleted or untagged stays until
    /// `promote` evicts it; `top_by_tag` skips it).
    boards: Mapping<String, Vec<ServiceId>>,
    /// Every (org, account) that ever owned the org, was a member or was the payee of
    /// one of its services: such accounts stay affiliated with all the org's services
    /// (security review L6: a sibling service's payee, or a member who leaves, rates
    /// and rejoins, may not rate). One entry per pair, written once.
    affiliates: Mapping<(String, AccountId), ()>,
}

impl RegistryData {
    /// Empty registry owned by `owner`.
    pub fn new(owner: AccountId) -> Self {
        Self {
            ownable: Ownable::new(owner),
            reputation: None,
            next_service_id: 1,
            orgs: Mapping::default(),
            retired_org_ids: Mapping::default(),
            services: Mapping::default(),
            index: Default::default(),
            boards: Mapping::default(),
            affiliates: Mapping::default(),
        }
    }

    // ----- contract administration -------------------------------------------------

    /// The contract owner.
    pub fn owner(&self) -> AccountId {
        self.ownable.owner()
    }

    /// The wired reputation oracle, if any.
    pub fn reputation(&self) -> Option<AccountId> {
        self.reputation
    }

    /// Id the next registered service will get.
    pub fn next_service_id(&self) -> ServiceId {
        self.next_service_id
    }

    fn ensure_owner(&self, caller: AccountId) -> Result<()> {
        Ok(self.ownable.ensure_owner(caller)?)
    }

    /// Owner only: hands the contract to `new_owner`.
    pub fn transfer_ownership(
        &mut self,
        caller: AccountId,
        new_owner: AccountId,
    ) -> Result<Vec<Event>> {
        let event = self.ownable.transfer(caller, new_owner)?;
        Ok(vec![Event::OwnershipTransferred(event)])
    }

    /// Owner only: sets the reputation oracle used by ranked discovery.
    pub fn set_reputation(
        &mut self,
        caller: AccountId,
        reputation: AccountId,
    ) -> Result<Vec<Event>> {
        self.ensure_owner(caller)?;
        let previous = self.reputation.replace(reputation);
        Ok(vec![Event::ReputationSet(ReputationSet {
            previous,
            reputation,
        })])
    }

    // ----- organizations -------------------------------------------------------------

    /// The organization `org_id`, if it exists.
    pub fn org(&self, org_id: &str) -> Option<Org> {
        if !validate::is_slug(org_id) {
            return None;
        }
        self.orgs.get(org_id)
    }

    fn ensure_org_owner(&self, org_id: &str, caller: AccountId) -> Result<Org> {
        let org = self.org(org_id).ok_or(Error::OrgNotFound)?;
        if org.owner != caller {
            return Err(Error::NotOrgOwner);
        }
        Ok(org)
    }

    /// Anyone: creates organization `org_id` owned by the caller.
    pub fn create_org(
        &mut self,
        caller: AccountId,
        org_id: String,
        now: Timestamp,
    ) -> Result<Vec<Event>> {
        validate::org_id(&org_id)?;
        if self.orgs.contains(&org_id) || self.retired_org_ids.contains(&org_id) {
            return Err(Error::OrgIdTaken);
        }
        let org = Org {
            owner: caller,
            members: Vec::new(),
            created_at: now,
        };
        self.orgs.insert(&org_id, &org);
        self.affiliate(&org_id, caller);
        Ok(vec![Event::OrgCreated(OrgCreated {
            org_id,
            owner: caller,
        })])
    }

    /// Org owner only: hands the organization to `new_owner` (who stops being a plain
    /// member if it was one).
    pub fn transfer_org_ownership(
        &mut self,
        caller: AccountId,
        org_id: String,
        new_owner: AccountId,
    ) -> Result<Vec<Event>> {
        let mut org = self.ensure_org_owner(&org_id, caller)?;
        let mut events = Vec::new();
        if org.members.contains(&new_owner) {
            org.members.retain(|m| *m != new_owner);
            events.push(Event::OrgMemberRemoved(OrgMemberRemoved {
                org_id: org_id.clone(),
                member: new_owner,
                by: caller,
            }));
        }
        org.owner = new_owner;
        self.orgs.insert(&org_id, &org);
        self.affiliate(&org_id, new_owner);
        events.push(Event::OrgOwnershipTransferred(OrgOwnershipTransferred {
            org_id,
            previous_owner: caller,
            new_owner,
        }));
        Ok(events)
    }

    /// Org owner only: adds `member` (at most `MAX_MEMBERS`).
    pub fn add_member(
        &mut self,
        caller: AccountId,
        org_id: String,
        member: AccountId,
    ) -> Result<Vec<Event>> {
        let mut org = self.ensure_org_owner(&org_id, caller)?;
        if org.is_owner_or_member(&member) {
            return Err(Error::AlreadyMember);
        }
        if org.members.len() >= MAX_MEMBERS {
            return Err(Error::TooManyMembers);
        }
        org.members.push(member);
        self.orgs.insert(&org_id, &org);
        self.affiliate(&org_id, member);
        Ok(vec![Event::OrgMemberAdded(OrgMemberAdded {
            org_id,
            member,
        })])
    }

    /// Org owner, or the member itself (leaving): removes `member`.
    pub fn remove_member(
        &mut self,
        caller: AccountId,
        org_id: String,
        member: AccountId,
    ) -> Result<Vec<Event>> {
        let mut org = self.org(&org_id).ok_or(Error::OrgNotFound)?;
        if caller != org.owner && caller != member {
            return Err(Error::NotOrgOwner);
        }
        if !org.members.contains(&member) {
            return Err(Error::NotMember);
        }
        org.members.retain(|m| *m != member);
        self.orgs.insert(&org_id, &org);
        Ok(vec![Event::OrgMemberRemoved(OrgMemberRemoved {
            org_id,
            member,
            by: caller,
        })])
    }

    /// Org owner only: deletes an organization that has no services; its id is
    /// reserved forever.
    pub fn delete_org(&mut self, caller: AccountId, org_id: String) -> Result<Vec<Event>> {
        self.ensure_org_owner(&org_id, caller)?;
        if self.index.len(IndexKey::Org(&org_id)) > 0 {
            return Err(Error::OrgHasServices);
        }
        self.orgs.remove(&org_id);
        self.retired_org_ids.insert(&org_id, &());
        Ok(vec![Event::OrgDeleted(OrgDeleted { org_id, by: caller })])
    }

    // ----- services ------------------------------------------------------------------

    /// The service `service_id`, if it exists.
    pub fn service(&self, service_id: ServiceId) -> Option<Service> {
        self.services.get(service_id)
    }

    /// The service, if `caller` is the owner or a member of its organization.
    fn ensure_service_manager(&self, service_id: ServiceId, caller: AccountId) -> Result<Service> {
        let service = self.service(service_id).ok_or(Error::ServiceNotFound)?;
        let org = self.org(&service.org_id).ok_or(Error::OrgNotFound)?;
        if !org.is_owner_or_member(&caller) {
            return Err(Error::NotOrgMember);
        }
        Ok(service)
    }

    /// Org owner or member: registers a service under `org_id`, active, with the next id.
    pub fn register_service(
        &mut self,
        caller: AccountId,
        org_id: String,
        spec: ServiceSpec,
        now: Timestamp,
    ) -> Result<(ServiceId, Vec<Event>)> {
        let org = self.org(&org_id).ok_or(Error::OrgNotFound)?;
        if !org.is_owner_or_member(&caller) {
            return Err(Error::NotOrgMember);
        }
        validate::spec(&spec)?;
        let id = self.next_service_id;
        self.next_service_id = id.checked_add(1).ok_or(Error::Overflow)?;
        self.index.insert(IndexKey::Org(&org_id), id)?;
        for tag in &spec.tags {
            self.index.insert(IndexKey::Tag(tag), id)?;
            self.index.insert(IndexKey::Active(tag), id)?;
        }
        let service = Service {
            org_id: org_id.clone(),
            name: spec.name,
            price: spec.price,
            payee: spec.payee,
            endpoint: spec.endpoint,
            metadata_uri: spec.metadata_uri,
            metadata_hash: spec.metadata_hash,
            tags: spec.tags,
            active: true,
            created_at: now,
            updated_at: now,
        };
        self.services.insert(id, &service);
        self.affiliate(&service.org_id, service.payee);
        let event = Event::ServiceRegistered(ServiceRegistered {
            service_id: id,
            org_id,
            price: service.price,
            payee: service.payee,
            by: caller,
        });
        Ok((id, vec![event]))
    }

    /// Org owner or member: changes the fields given in `update`.
    pub fn update_service(
        &mut self,
        caller: AccountId,
        service_id: ServiceId,
        update: ServiceUpdate,
        now: Timestamp,
    ) -> Result<Vec<Event>> {
        let mut service = self.ensure_service_manager(service_id, caller)?;
        if let Some(name) = &update.name {
            validate::name(name)?;
        }
        if let Some(endpoint) = &update.endpoint {
            validate::endpoint(endpoint)?;
        }
        if let Some((uri, _)) = &update.metadata {
            validate::metadata_uri(uri)?;
        }
        if let Some(tags) = &update.tags {
            validate::tags(tags)?;
        }
        let mut tags_changed = false;
        if let Some(new_tags) = update.tags {
            for old in service.tags.iter().filter(|t| !new_tags.contains(t)) {
                self.index.remove(IndexKey::Tag(old), service_id);
                self.index.remove(IndexKey::Active(old), service_id);
            }
            for new in new_tags.iter().filter(|t| !service.tags.contains(t)) {
                self.index.insert(IndexKey::Tag(new), service_id)?;
                if service.active {
                    self.index.insert(IndexKey::Active(new), service_id)?;
                }
            }
            tags_changed = new_tags != service.tags;
            service.tags = new_tags;
        }
        if let Some(name) = update.name {
            service.name = name;
        }
        if let Some(price) = update.price {
            service.price = price;
        }
        if let Some(payee) = update.payee {
            service.payee = payee;
            self.affiliate(&service.org_id, payee);
        }
        if let Some(endpoint) = update.endpoint {
            service.endpoint = endpoint;
        }
        if let Some((uri, hash)) = update.metadata {
            service.metadata_uri = uri;
            service.metadata_hash = hash;
        }
        service.updated_at = now;
        self.services.insert(service_id, &service);
        Ok(vec![Event::ServiceUpdated(ServiceUpdated {
            service_id,
            org_id: service.org_id,
            price: service.price,
            payee: service.payee,
            tags_changed,
            by: caller,
        })])
    }

    /// Org owner or member: sets the active flag (delist = false, relist = true) and
    /// moves the service out of (into) the active index of each of its tags.
    pub fn set_listed(
        &mut self,
        caller: AccountId,
        service_id: ServiceId,
        listed: bool,
        now: Timestamp,
    ) -> Result<Vec<Event>> {
        let mut service = self.ensure_service_manager(service_id, caller)?;
        match (service.active, listed) {
            (true, true) => return Err(Error::AlreadyListed),
            (false, false) => return Err(Error::AlreadyDelisted),
            _ => {}
        }
        for tag in &service.tags {
            if listed {
                self.index.insert(IndexKey::Active(tag), service_id)?;
            } else {
                self.index.remove(IndexKey::Active(tag), service_id);
            }
        }
        service.active = listed;
        service.updated_at = now;
        self.services.insert(service_id, &service);
        let org_id = service.org_id;
        let event = if listed {
            Event::ServiceRelisted(ServiceRelisted {
                service_id,
                org_id,
                by: caller,
            })
        } else {
            Event::ServiceDelisted(ServiceDelisted {
                service_id,
                org_id,
                by: caller,
            })
        };
        Ok(vec![event])
    }

    /// Org owner or member: deletes a service from every index; its id is never reused.
    pub fn delete_service(
        &mut self,
        caller: AccountId,
        service_id: ServiceId,
    ) -> Result<Vec<Event>> {
        let service = self.ensure_service_manager(service_id, caller)?;
        self.index
            .remove(IndexKey::Org(&service.org_id), service_id);
        for tag in &service.tags {
            self.index.remove(IndexKey::Tag(tag), service_id);
            self.index.remove(IndexKey::Active(tag), service_id);
        }
        self.services.remove(service_id);
        Ok(vec![Event::ServiceDeleted(ServiceDeleted {
            service_id,
            org_id: service.org_id,
            by: caller,
        })])
    }

    // ----- reads ---------------------------------------------------------------------

    fn summary_page(&self, key: IndexKey, cursor: u32, limit: u32) -> ServicePage {
        if !validate::is_slug(key.name()) {
            return ServicePage {
                services: Vec::new(),
                next_cursor: None,
                total: 0,
            };
        }
        let (ids, next_cursor) = self.index.page(key, cursor, limit);
        let services = ids
            .into_iter()
            .filter_map(|id| {
                self.services.get(id).map(|s| ServiceSummary {
                    service_id: id,
                    price: s.price,
                    payee: s.payee,
                    active: s.active,
                })
            })
            .collect();
        ServicePage {
            services,
            next_cursor,
            total: self.index.len(key),
        }
    }

    /// A page of the services of `org_id` (delisted ones included).
    pub fn services_of_org(&self, org_id: &str, cursor: u32, limit: u32) -> ServicePage {
        self.summary_page(IndexKey::Org(org_id), cursor, limit)
    }

    /// A page of the services of `tag` (delisted ones included).
    pub fn services_of_tag(&self, tag: &str, cursor: u32, limit: u32) -> ServicePage {
        self.summary_page(IndexKey::Tag(tag), cursor, limit)
    }

    /// One page of `tag`'s active services (positions `cursor..` of its active index),
    /// unscored (score 0), with the next cursor and the number of active services under
    /// the tag. Delisted services hold no positions (security review L7).
    pub fn ranking_candidates(
        &self,
        tag: &str,
        cursor: u32,
        limit: u32,
    ) -> (Vec<RankedEntry>, Option<u32>, u32) {
        if !validate::is_slug(tag) {
            return (Vec::new(), None, 0);
        }
        let key = IndexKey::Active(tag);
        let (ids, next) = self.index.page(key, cursor, page_size(limit));
        let entries = ids
            .into_iter()
            .filter_map(|id| {
                self.services
                    .get(id)
                    .filter(|s| s.active)
                    .map(|s| unscored(id, s))
            })
            .collect();
        (entries, next, self.index.len(key))
    }

    // ----- leaderboards --------------------------------------------------------------

    /// The service, if it exists, is active and carries `tag`: what a leaderboard
    /// member must be to count.
    fn listed_under(&self, tag: &str, service_id: ServiceId) -> Option<Service> {
        self.services
            .get(service_id)
            .filter(|s| s.active && s.tags.iter().any(|t| t == tag))
    }

    /// Anyone: puts `service_id` on `tag`'s leaderboard (at most `MAX_PAGE` members).
    /// With room, it joins. On a full board it replaces the first member that is no
    /// longer registered, active or tagged; if there is none, `scores` is called once
    /// with the members' ids followed by the candidate's, and the weakest member
    /// (lowest score, then higher price, then higher id: the last in ranking order) is
    /// evicted if the candidate's score is strictly higher. Position in the tag's
    /// indexes plays no part, so squatting early slots buys nothing (security review
    /// L7).
    ///
    /// Errors: `ServiceNotFound`, `ServiceInactive`, `NotTagged` (the service does not
    /// carry `tag`, which includes every invalid tag), `AlreadyOnBoard`,
    /// `ScoresUnavailable` (scores were needed and `scores` gave none, or too few),
    /// `NotBetter`.
    pub fn promote<F>(
        &mut self,
        tag: String,
        service_id: ServiceId,
        scores: F,
    ) -> Result<Vec<Event>>
    where
        F: FnOnce(Vec<ServiceId>) -> Option<Vec<Ppm>>,
    {
        let service = self.service(service_id).ok_or(Error::ServiceNotFound)?;
        if !service.active {
            return Err(Error::ServiceInactive);
        }
        if !service.tags.contains(&tag) {
            return Err(Error::NotTagged);
        }
        let mut board = self.boards.get(&tag).unwrap_or_default();
        if board.contains(&service_id) {
            return Err(Error::AlreadyOnBoard);
        }
        let evicted = if board.len() < MAX_PAGE as usize {
            board.push(service_id);
            None
        } else {
            // One pass: the first stale member, or every member's price.
            let mut prices = Vec::with_capacity(board.len());
            let mut stale = None;
            for (i, id) in board.iter().enumerate() {
                match self.listed_under(&tag, *id) {
                    Some(s) => prices.push(s.price),
                    None => {
                        stale = Some(i);
                        break;
                    }
                }
            }
            let slot = match stale {
                Some(i) => i,
                None => {
                    let mut ids = board.clone();
                    ids.push(service_id);
                    let got = scores(ids).ok_or(Error::ScoresUnavailable)?;
                    let (&candidate, member_scores) = got
                        .get(..=board.len())
                        .and_then(|s| s.split_last())
                        .ok_or(Error::ScoresUnavailable)?;
                    let weakest = board
                        .iter()
                        .zip(member_scores)
                        .zip(&prices)
                        .enumerate()
                        .min_by_key(|(_, ((id, score), price))| {
                            (**score, Reverse(**price), Reverse(**id))
                        })
                        .map(|(i, ((_, score), _))| (i, *score));
                    match weakest {
                        Some((i, score)) if candidate > score => i,
                        _ => return Err(Error::NotBetter),
                    }
                }
            };
            let slot = board.get_mut(slot).ok_or(Error::NotBetter)?;
            Some(core::mem::replace(slot, service_id))
        };
        self.boards.insert(&tag, &board);
        Ok(vec![Event::Promoted(Promoted {
            tag,
            service_id,
            evicted,
        })])
    }

    /// `tag`'s leaderboard members that are still registered, active and tagged,
    /// unscored (score 0), and the number of members stored (stale ones included).
    pub fn board_entries(&self, tag: &str) -> (Vec<RankedEntry>, u32) {
        if !validate::is_slug(tag) {
            return (Vec::new(), 0);
        }
        let board = self.boards.get(tag).unwrap_or_default();
        let stored = u32::try_from(board.len()).unwrap_or(u32::MAX);
        let entries = board
            .into_iter()
            .filter_map(|id| self.listed_under(tag, id).map(|s| unscored(id, s)))
            .collect();
        (entries, stored)
    }

    /// Payee, price and active flag of a service (what escrow checks).
    pub fn service_terms(&self, service_id: ServiceId) -> Option<ServiceTerms> {
        self.service(service_id).map(|s| ServiceTerms {
            payee: s.payee,
            price: s.price,
            active: s.active,
        })
    }

    /// True if `account` is the owner or a member of the service's organization or its
    /// payee, or ever was the org's owner, a member or the payee of any of its services
    /// (security review L6); false for unknown services.
    pub fn is_affiliated(&self, service_id: ServiceId, account: AccountId) -> bool {
        let Some(service) = self.service(service_id) else {
            return false;
        };
        service.payee == account
            || self
                .org(&service.org_id)
                .is_some_and(|org| org.is_owner_or_member(&account))
            || self.affiliates.contains((service.org_id, account))
    }

    /// Records `account` as affiliated with `org_id` for good (see `affiliates`).
    fn affiliate(&mut self, org_id: &str, account: AccountId) {
        let key = (String::from(org_id), account);
        if !self.affiliates.contains(&key) {
            self.affiliates.insert(&key, &());
        }
    }
}

/// A ranked entry for `service`, score 0 (the contract fills the scores in).
fn unscored(service_id: ServiceId, service: Service) -> RankedEntry {
    RankedEntry {
        service_id,
        price: service.price,
        score: 0,
        payee: service.payee,
        endpoint: service.endpoint,
    }
}

#[cfg(test)]
mod tests;
