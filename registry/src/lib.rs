//! # Global Brain registry
//!
//! The on-chain directory of the marketplace: organizations (owner + members) register
//! AI services with a price, a payee, an endpoint, a metadata URI + hash and tags
//! (vertical markets). Clients list services by organization or tag, or ranked by the
//! reputation oracle's score (page by page over a tag's active services, or a tag's
//! leaderboard of at most 32 that anyone can `promote` a better service onto); escrow
//! reads a service's terms before opening a channel.
//!
//! The logic lives in [`data::RegistryData`]; this module only reads the caller and the
//! block time, calls the reputation oracle, and emits the events the logic returns.
#![cfg_attr(not(feature = "std"), no_std, no_main)]
// The lints cargo-contract enforces on contract code (tests may use plain arithmetic).
#![cfg_attr(
    not(test),
    warn(
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation,
        clippy::cast_possible_wrap,
        clippy::cast_sign_loss
    )
)]

pub mod data;
pub mod errors;
pub mod events;
pub mod index;
pub mod ranking;
pub mod types;
pub mod validate;

pub use self::registry::{Registry, RegistryRef};
pub use errors::{Error, Result};
pub use events::Event;

#[cfg(test)]
mod contract_tests;

#[ink::contract]
pub mod registry {
    use crate::data::RegistryData;
    use crate::errors::Result;
    use crate::events::Event;
    use crate::ranking;
    use crate::types::{Org, RankedPage, Service, ServicePage, ServiceSpec, ServiceUpdate};
    use gb_interfaces::{Ppm, ReputationOracle, ServiceDirectory, ServiceId, ServiceTerms};
    use ink::prelude::{string::String, vec::Vec};

    /// Registry storage: all state is in the logic struct.
    #[ink(storage)]
    pub struct Registry {
        data: RegistryData,
    }

    impl Default for Registry {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Registry {
        /// Deploys an empty registry owned by the caller, without a reputation oracle
        /// (ranked discovery scores everything 0 until `set_reputation`).
        #[ink(constructor)]
        pub fn new() -> Self {
            Self {
                data: RegistryData::new(Self::env().caller()),
            }
        }

        fn emit(&self, events: Vec<Event>) {
            for event in events {
                match event {
                    Event::OwnershipTransferred(e) => self.env().emit_event(e),
                    Event::ReputationSet(e) => self.env().emit_event(e),
                    Event::OrgCreated(e) => self.env().emit_event(e),
                    Event::OrgOwnershipTransferred(e) => self.env().emit_event(e),
                    Event::OrgMemberAdded(e) => self.env().emit_event(e),
                    Event::OrgMemberRemoved(e) => self.env().emit_event(e),
                    Event::OrgDeleted(e) => self.env().emit_event(e),
                    Event::ServiceRegistered(e) => self.env().emit_event(e),
                    Event::ServiceUpdated(e) => self.env().emit_event(e),
                    Event::ServiceDelisted(e) => self.env().emit_event(e),
                    Event::ServiceRelisted(e) => self.env().emit_event(e),
                    Event::ServiceDeleted(e) => self.env().emit_event(e),
                    Event::Promoted(e) => self.env().emit_event(e),
                }
            }
        }

        fn done(&self, events: Result<Vec<Event>>) -> Result<()> {
            self.emit(events?);
            Ok(())
        }

        // ----- contract administration ---------------------------------------------

        /// Anyone: the contract owner.
        #[ink(message)]
        pub fn owner(&self) -> AccountId {
            self.data.owner()
        }

        /// Anyone: the reputation oracle used by `ranked_by_tag`, if wired.
        #[ink(message)]
        pub fn reputation(&self) -> Option<AccountId> {
            self.data.reputation()
        }

        /// Contract owner only: hands the contract to `new_owner`.
        /// Emits `OwnershipTransferred`. Errors: `NotOwner`.
        #[ink(message)]
        pub fn transfer_ownership(&mut self, new_owner: AccountId) -> Result<()> {
            let events = self.data.transfer_ownership(self.env().caller(), new_owner);
            self.done(events)
        }

        /// Contract owner only: wires (or rewires) the reputation oracle whose
        /// `ReputationOracle::rank_scores` ranks discovery. Emits `ReputationSet`.
        /// Errors: `NotOwner`.
        #[ink(message)]
        pub fn set_reputation(&mut self, reputation: AccountId) -> Result<()> {
            let events = self.data.set_reputation(self.env().caller(), reputation);
            self.done(events)
        }

        // ----- organizations ---------------------------------------------------------

        /// Anyone: creates organization `org_id` (1..=32 bytes of `[a-z0-9-]`, never
        /// used before) owned by the caller. Emits `OrgCreated`.
        /// Errors: `OrgIdEmpty`, `OrgIdTooLong`, `OrgIdInvalidChar`, `OrgIdTaken`.
        #[ink(message)]
        pub fn create_org(&mut self, org_id: String) -> Result<()> {
            let events =
                self.data
                    .create_org(self.env().caller(), org_id, self.env().block_timestamp());
            self.done(events)
        }

        /// Org owner only: hands the organization to `new_owner` (removed from the
        /// members if it was one). Emits `OrgOwnershipTransferred` (and
        /// `OrgMemberRemoved`). Errors: `OrgNotFound`, `NotOrgOwner`.
        #[ink(message)]
        pub fn transfer_org_ownership(
            &mut self,
            org_id: String,
            new_owner: AccountId,
        ) -> Result<()> {
            let events = self
                .data
                .transfer_org_ownership(self.env().caller(), org_id, new_owner);
            self.done(events)
        }

        /// Org owner only: adds `member`, who may then manage the org's services.
        /// Emits `OrgMemberAdded`. Errors: `OrgNotFound`, `NotOrgOwner`, `AlreadyMember`,
        /// `TooManyMembers` (at most 16).
        #[ink(message)]
        pub fn add_member(&mut self, org_id: String, member: AccountId) -> Result<()> {
            let events = self.data.add_member(self.env().caller(), org_id, member);
            self.done(events)
        }

        /// Org owner, or the member itself (leaving): removes `member`.
        /// Emits `OrgMemberRemoved`. Errors: `OrgNotFound`, `NotOrgOwner`, `NotMember`.
        #[ink(message)]
        pub fn remove_member(&mut self, org_id: String, member: AccountId) -> Result<()> {
            let events = self.data.remove_member(self.env().caller(), org_id, member);
            self.done(events)
        }

        /// Org owner only: deletes an organization without services; the id stays
        /// reserved forever. Emits `OrgDeleted`.
        /// Errors: `OrgNotFound`, `NotOrgOwner`, `OrgHasServices`.
        #[ink(message)]
        pub fn delete_org(&mut self, org_id: String) -> Result<()> {
            let events = self.data.delete_org(self.env().caller(), org_id);
            self.done(events)
        }

        /// Anyone: owner, members and creation time of organization `org_id`.
        #[ink(message)]
        pub fn org(&self, org_id: String) -> Option<Org> {
            self.data.org(&org_id)
        }

        // ----- services --------------------------------------------------------------

        /// Org owner or member: registers an active service under `org_id` and returns
        /// its id (ids start at 1 and are never reused). Emits `ServiceRegistered`.
        /// Errors: `OrgNotFound`, `NotOrgMember`, `NameEmpty`, `NameTooLong`,
        /// `NameInvalidChar`, `EndpointEmpty`, `EndpointTooLong`, `EndpointInvalidChar`,
        /// `MetadataUriEmpty`, `MetadataUriTooLong`, `MetadataUriInvalidChar`,
        /// `TooManyTags`, `TagEmpty`, `TagTooLong`, `TagInvalidChar`, `DuplicateTag`,
        /// `Overflow`.
        #[ink(message)]
        pub fn register_service(&mut self, org_id: String, spec: ServiceSpec) -> Result<ServiceId> {
            let (id, events) = self.data.register_service(
                self.env().caller(),
                org_id,
                spec,
                self.env().block_timestamp(),
            )?;
            self.emit(events);
            Ok(id)
        }

        /// Org owner or member: changes the fields set in `update` (a new tag set
        /// replaces the old one in the tag indexes). Emits `ServiceUpdated`.
        /// Errors: `ServiceNotFound`, `NotOrgMember`, the field errors of
        /// `register_service`.
        #[ink(message)]
        pub fn update_service(
            &mut self,
            service_id: ServiceId,
            update: ServiceUpdate,
        ) -> Result<()> {
            let events = self.data.update_service(
                self.env().caller(),
                service_id,
                update,
                self.env().block_timestamp(),
            );
            self.done(events)
        }

        /// Org owner or member: delists a service; escrow opens no new channels for it,
        /// it leaves the active index `ranked_by_tag` pages over, and `top_by_tag` skips
        /// it (it stays in the `services_of_*` listings). Emits `ServiceDelisted`.
        /// Errors: `ServiceNotFound`, `NotOrgMember`, `AlreadyDelisted`, `Overflow`.
        #[ink(message)]
        pub fn delist_service(&mut self, service_id: ServiceId) -> Result<()> {
            let events = self.data.set_listed(
                self.env().caller(),
                service_id,
                false,
                self.env().block_timestamp(),
            );
            self.done(events)
        }

        /// Org owner or member: lists a delisted service again (it goes back into the
        /// active index, at the end). Emits `ServiceRelisted`.
        /// Errors: `ServiceNotFound`, `NotOrgMember`, `AlreadyListed`, `Overflow`.
        #[ink(message)]
        pub fn relist_service(&mut self, service_id: ServiceId) -> Result<()> {
            let events = self.data.set_listed(
                self.env().caller(),
                service_id,
                true,
                self.env().block_timestamp(),
            );
            self.done(events)
        }

        /// Org owner or member: deletes a service and removes it from every listing;
        /// its id is never reused. Emits `ServiceDeleted`.
        /// Errors: `ServiceNotFound`, `NotOrgMember`.
        #[ink(message)]
        pub fn delete_service(&mut self, service_id: ServiceId) -> Result<()> {
            let events = self.data.delete_service(self.env().caller(), service_id);
            self.done(events)
        }

        // ----- reads -----------------------------------------------------------------

        /// Anyone: the full record of a service, `None` if unknown or deleted.
        #[ink(message)]
        pub fn service(&self, service_id: ServiceId) -> Option<Service> {
            self.data.service(service_id)
        }

        /// Anyone: the id the next registered service will get.
        #[ink(message)]
        pub fn next_service_id(&self) -> ServiceId {
            self.data.next_service_id()
        }

        /// Anyone: a page of the services of `org_id` (delisted included) from position
        /// `cursor`; `limit` 0 or above 32 means 32. Follow `next_cursor` until `None`.
        #[ink(message)]
        pub fn services_of_org(&self, org_id: String, cursor: u32, limit: u32) -> ServicePage {
            self.data.services_of_org(&org_id, cursor, limit)
        }

        /// Anyone: a page of the services of `tag` (a market segment; delisted
        /// included) from position `cursor`; `limit` 0 or above 32 means 32.
        #[ink(message)]
        pub fn services_of_tag(&self, tag: String, cursor: u32, limit: u32) -> ServicePage {
            self.data.services_of_tag(&tag, cursor, limit)
        }

        /// Anyone: one page of `tag`'s active services (positions `cursor..` of the
        /// tag's index of listed services, `limit` 0 or above 32 means 32), best first:
        /// reputation score descending, then price ascending, then id ascending. One
        /// call to the oracle's `rank_scores`; without an oracle, or if it fails, every
        /// score is 0. Delisted services hold no positions; `total` is the number of
        /// active services under the tag. The order is exact within the page; a tag
        /// with at most 32 active services is ranked globally. Positions follow
        /// registration order (a removal moves the last service into the hole), so
        /// early pages can be filled by whoever registered first: read every page, or
        /// `top_by_tag`, which position cannot buy.
        #[ink(message)]
        pub fn ranked_by_tag(&self, tag: String, cursor: u32, limit: u32) -> RankedPage {
            let (entries, next_cursor, total) = self.data.ranking_candidates(&tag, cursor, limit);
            let ids = entries.iter().map(|e| e.service_id).collect();
            let scores = Self::fetch_scores(self.data.reputation(), ids);
            RankedPage {
                entries: ranking::rank(entries, scores),
                next_cursor,
                total,
            }
        }

        /// Anyone: puts `service_id` on `tag`'s leaderboard, the at most 32 services
        /// `top_by_tag` ranks. The service must exist, be listed and carry `tag`. If
        /// the board has room it joins. If it is full, the first member that is no
        /// longer registered, listed or tagged is replaced; otherwise one call to the
        /// oracle's `rank_scores` (members and candidate) decides, and the weakest
        /// member (lowest score, then higher price, then higher id) is replaced if the
        /// candidate's score is strictly higher. Where a service sits in the tag's
        /// indexes plays no part. Emits `Promoted` (with the evicted member, if any).
        /// Errors: `ServiceNotFound`, `ServiceInactive`, `NotTagged`, `AlreadyOnBoard`
        /// (already a member: nothing changes), `NotBetter`, `ScoresUnavailable` (scores
        /// were needed and there is no oracle, or its call failed or answered short).
        #[ink(message)]
        pub fn promote(&mut self, tag: String, service_id: ServiceId) -> Result<()> {
            let oracle = self.data.reputation();
            let events = self
                .data
                .promote(tag, service_id, |ids| Self::fetch_scores(oracle, ids));
            self.done(events)
        }

        /// Anyone: `tag`'s leaderboard (see `promote`), best first like `ranked_by_tag`
        /// (score descending, then price ascending, then id ascending), with one call
        /// to the oracle's `rank_scores` (every score 0 without an oracle or if it
        /// fails). Members no longer registered, listed or tagged are left out;
        /// `next_cursor` is `None`; `total` is the number of members stored (at most 32,
        /// stale ones included).
        #[ink(message)]
        pub fn top_by_tag(&self, tag: String) -> RankedPage {
            let (entries, total) = self.data.board_entries(&tag);
            let ids = entries.iter().map(|e| e.service_id).collect();
            let scores = Self::fetch_scores(self.data.reputation(), ids);
            RankedPage {
                entries: ranking::rank(entries, scores),
                next_cursor: None,
                total,
            }
        }

        /// Scores from `oracle` for `ids`, in order; `None` if there is no oracle, no
        /// ids, or the call fails.
        fn fetch_scores(oracle: Option<AccountId>, ids: Vec<ServiceId>) -> Option<Vec<Ppm>> {
            use ink::codegen::TraitCallBuilder;
            if ids.is_empty() {
                return None;
            }
            let oracle: ink::contract_ref!(ReputationOracle) = oracle?.into();
            match oracle.call().rank_scores(ids).try_invoke() {
                Ok(Ok(scores)) => Some(scores),
                _ => None,
            }
        }

        /// Anyone: true if the service exists and is listed.
        #[ink(message)]
        pub fn is_active(&self, service_id: ServiceId) -> bool {
            self.data
                .service_terms(service_id)
                .is_some_and(|t| t.active)
        }

        /// Anyone: the service's payee, `None` if unknown.
        #[ink(message)]
        pub fn payee(&self, service_id: ServiceId) -> Option<AccountId> {
            self.data.service_terms(service_id).map(|t| t.payee)
        }

        /// Anyone: the service's price per call, `None` if unknown.
        #[ink(message)]
        pub fn price(&self, service_id: ServiceId) -> Option<Balance> {
            self.data.service_terms(service_id).map(|t| t.price)
        }
    }

    impl ServiceDirectory for Registry {
        /// Anyone (escrow): payee, price and active flag; `None` if unknown or deleted.
        #[ink(message)]
        fn service_terms(&self, service_id: ServiceId) -> Option<ServiceTerms> {
            self.data.service_terms(service_id)
        }

        /// Anyone (reputation): true if `account` owns or is a member of the service's
        /// organization, or is its payee, or ever owned, joined or was paid by that
        /// organization (a sibling service's payee, a member who left); false for
        /// unknown services.
        #[ink(message)]
        fn is_affiliated(&self, service_id: ServiceId, account: AccountId) -> bool {
            self.data.is_affiliated(service_id, account)
        }
    }
}
