//! The registry's messages, typed.

use crate::account::ink_account;
use crate::message::{contract_api, Infallible, Message};
use gb_chain::{AccountId, Balance};
use gb_interfaces::ServiceId;
use registry::types::{Org, RankedPage, Service, ServicePage, ServiceSpec, ServiceUpdate};

type Fallible<T> = Message<registry::Result<T>>;
type Read<T> = Message<Infallible<T>>;

contract_api!(
    /// The registry at an address: organizations, services, discovery.
    RegistryApi,
    registry::Registry
);

impl RegistryApi {
    // ---- administration ------------------------------------------------------------

    pub fn owner(&self) -> Read<ink::primitives::AccountId> {
        Message::read("registry::owner", &self.address, self.builder().owner())
    }

    pub fn reputation(&self) -> Read<Option<ink::primitives::AccountId>> {
        Message::read(
            "registry::reputation",
            &self.address,
            self.builder().reputation(),
        )
    }

    pub fn set_reputation(&self, reputation: &AccountId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "registry::set_reputation",
            &self.address,
            b.set_reputation(ink_account(reputation)),
        )
    }

    pub fn transfer_ownership(&self, new_owner: &AccountId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "registry::transfer_ownership",
            &self.address,
            b.transfer_ownership(ink_account(new_owner)),
        )
    }

    // ---- organizations -------------------------------------------------------------

    pub fn create_org(&self, org_id: &str) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "registry::create_org",
            &self.address,
            b.create_org(org_id.into()),
        )
    }

    pub fn transfer_org_ownership(&self, org_id: &str, new_owner: &AccountId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "registry::transfer_org_ownership",
            &self.address,
            b.transfer_org_ownership(org_id.into(), ink_account(new_owner)),
        )
    }

    pub fn add_member(&self, org_id: &str, member: &AccountId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "registry::add_member",
            &self.address,
            b.add_member(org_id.into(), ink_account(member)),
        )
    }

    pub fn remove_member(&self, org_id: &str, member: &AccountId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "registry::remove_member",
            &self.address,
            b.remove_member(org_id.into(), ink_account(member)),
        )
    }

    pub fn delete_org(&self, org_id: &str) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "registry::delete_org",
            &self.address,
            b.delete_org(org_id.into()),
        )
    }

    pub fn org(&self, org_id: &str) -> Read<Option<Org>> {
        Message::read(
            "registry::org",
            &self.address,
            self.builder().org(org_id.into()),
        )
    }

    // ---- services ------------------------------------------------------------------

    pub fn register_service(&self, org_id: &str, spec: ServiceSpec) -> Fallible<ServiceId> {
        let mut b = self.builder();
        Message::fallible(
            "registry::register_service",
            &self.address,
            b.register_service(org_id.into(), spec),
        )
    }

    pub fn update_service(&self, service_id: ServiceId, update: ServiceUpdate) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "registry::update_service",
            &self.address,
            b.update_service(service_id, update),
        )
    }

    pub fn delist_service(&self, service_id: ServiceId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "registry::delist_service",
            &self.address,
            b.delist_service(service_id),
        )
    }

    pub fn relist_service(&self, service_id: ServiceId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "registry::relist_service",
            &self.address,
            b.relist_service(service_id),
        )
    }

    pub fn delete_service(&self, service_id: ServiceId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "registry::delete_service",
            &self.address,
            b.delete_service(service_id),
        )
    }

    pub fn service(&self, service_id: ServiceId) -> Read<Option<Service>> {
        Message::read(
            "registry::service",
            &self.address,
            self.builder().service(service_id),
        )
    }

    pub fn next_service_id(&self) -> Read<ServiceId> {
        Message::read(
            "registry::next_service_id",
            &self.address,
            self.builder().next_service_id(),
        )
    }

    pub fn services_of_org(&self, org_id: &str, cursor: u32, limit: u32) -> Read<ServicePage> {
        Message::read(
            "registry::services_of_org",
            &self.address,
            self.builder().services_of_org(org_id.into(), cursor, limit),
        )
    }

    pub fn services_of_tag(&self, tag: &str, cursor: u32, limit: u32) -> Read<ServicePage> {
        Message::read(
            "registry::services_of_tag",
            &self.address,
            self.builder().services_of_tag(tag.into(), cursor, limit),
        )
    }

    pub fn ranked_by_tag(&self, tag: &str, cursor: u32, limit: u32) -> Read<RankedPage> {
        Message::read(
            "registry::ranked_by_tag",
            &self.address,
            self.builder().ranked_by_tag(tag.into(), cursor, limit),
        )
    }

    /// Anyone: puts `service_id` on `tag`'s leaderboard (see the contract's `promote`).
    pub fn promote(&self, tag: &str, service_id: ServiceId) -> Fallible<()> {
        let mut b = self.builder();
        Message::fallible(
            "registry::promote",
            &self.address,
            b.promote(tag.into(), service_id),
        )
    }

    /// `tag`'s leaderboard, best first (at most 32 services; `next_cursor` is `None`).
    pub fn top_by_tag(&self, tag: &str) -> Read<RankedPage> {
        Message::read(
            "registry::top_by_tag",
            &self.address,
            self.builder().top_by_tag(tag.into()),
        )
    }

    pub fn is_active(&self, service_id: ServiceId) -> Read<bool> {
        Message::read(
            "registry::is_active",
            &self.address,
            self.builder().is_active(service_id),
        )
    }

    pub fn payee(&self, service_id: ServiceId) -> Read<Option<ink::primitives::AccountId>> {
        Message::read(
            "registry::payee",
            &self.address,
            self.builder().payee(service_id),
        )
    }

    pub fn price(&self, service_id: ServiceId) -> Read<Option<Balance>> {
        Message::read(
            "registry::price",
            &self.address,
            self.builder().price(service_id),
        )
    }
}
