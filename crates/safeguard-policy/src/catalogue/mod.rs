//! Data the BAA-scope policies judge against, kept as files in the policy
//! folders beside the policies (so a release can update them without code):
//! the vendor catalogue (who offers a Business Associate Agreement, and how
//! to recognise each vendor in Terraform and mail configurations) and the
//! list of cloud services eligible for PHI. The organisation's register of
//! signed BAAs comes from `safeguard.toml` and is applied here too, so the
//! engine asks one question: what is the BAA status of this value?

mod compile;
mod register;
mod services;
mod vendors;

pub(crate) use compile::{DATA_FILE_KEY, compile_data_file};
pub use compile::{DataFile, is_iso_date};
pub use register::{BaaRegister, RegisteredBaa};
pub use services::{Eligibility, ServiceEntry, ServiceList};
pub use vendors::{BaaOffer, BaaStatus, Vendor, VendorCatalogue};

/// Everything the BAA-scope conditions consult: the catalogues from the
/// policy folders and the organisation's register.
#[derive(Debug, Clone, Default)]
pub struct BaaContext {
    pub vendors: VendorCatalogue,
    pub services: Vec<ServiceList>,
    pub register: BaaRegister,
}

impl BaaContext {
    /// The BAA status of a value naming a vendor: a provider source
    /// (`hashicorp/aws`), a resource type (`sendgrid_template`) or a host
    /// name in any form mail configurations write it (`[smtp.sendgrid.net]:587`).
    #[must_use]
    pub fn status_of(&self, value: &str) -> BaaStatus<'_> {
        if let Some(entry) = self.register.find_by_value(value) {
            return BaaStatus::Registered(entry.vendor.as_str());
        }
        match self.vendors.identify(value) {
            None => BaaStatus::Unlisted,
            Some(vendor) => match self.register.get(&vendor.id) {
                Some(_) => BaaStatus::Registered(&vendor.name),
                None => match vendor.baa {
                    BaaOffer::None => BaaStatus::NoneOffered(vendor),
                    BaaOffer::Available | BaaOffer::Unconfirmed => BaaStatus::NotRegistered(vendor),
                },
            },
        }
    }

    /// Where a resource type stands on the eligible-services lists: `None`
    /// when no list covers its provider or no entry maps it.
    #[must_use]
    pub fn eligibility_of(&self, resource_type: &str) -> Option<(&ServiceList, &ServiceEntry)> {
        self.services
            .iter()
            .filter(|list| resource_type.starts_with(&list.type_prefix))
            .find_map(|list| list.classify(resource_type).map(|entry| (list, entry)))
    }

    /// The list that covers a resource type's provider, mapped or not.
    #[must_use]
    pub fn service_list_for(&self, resource_type: &str) -> Option<&ServiceList> {
        self.services
            .iter()
            .find(|list| resource_type.starts_with(&list.type_prefix))
    }
}

#[cfg(test)]
mod tests {
    use safeguard_source::SourceFile;

    use super::*;
    use crate::{CompiledFile, compile_file};

    const CATALOGUE: &str = "catalogue: baa-vendors\nas-of: 2026-11-28\nvendors:\n  - id: sendgrid\n    name: Twilio SendGrid\n    baa: none\n    note: no BAA\n    hosts: [sendgrid.net]\n  - id: aws\n    name: AWS\n    baa: available\n    note: in Artifact\n    terraform-providers: [hashicorp/aws]\n    resource-prefixes: [aws_]\n    hosts: [email-smtp.*.amazonaws.com]\n";

    fn context(register: BaaRegister) -> BaaContext {
        let Ok(CompiledFile::Data(DataFile::Vendors { vendors, .. })) =
            compile_file(&SourceFile::new("v.yaml", CATALOGUE))
        else {
            panic!("catalogue compiles")
        };
        BaaContext {
            vendors: VendorCatalogue {
                vendors,
                as_of: Vec::new(),
            },
            services: Vec::new(),
            register,
        }
    }

    #[test]
    fn statuses_combine_catalogue_and_register() {
        let empty = context(BaaRegister::default());
        assert_eq!(empty.status_of("[smtp.sendgrid.net]:587").keyword(), "none");
        assert_eq!(
            empty
                .status_of("registry.terraform.io/hashicorp/aws")
                .keyword(),
            "not-registered"
        );
        assert_eq!(
            empty
                .status_of("email-smtp.us-east-1.amazonaws.com")
                .keyword(),
            "not-registered"
        );
        assert_eq!(empty.status_of("aws_s3_bucket").keyword(), "not-registered");
        assert_eq!(empty.status_of("smtp.example.org").keyword(), "unlisted");

        let register = BaaRegister {
            entries: vec![
                RegisteredBaa {
                    vendor: "aws".into(),
                    signed: "2024-01-01".into(),
                    ..RegisteredBaa::default()
                },
                // A special arrangement overrides the catalogue's `none`.
                RegisteredBaa {
                    vendor: "sendgrid".into(),
                    signed: "2024-01-01".into(),
                    ..RegisteredBaa::default()
                },
                RegisteredBaa {
                    vendor: "acme".into(),
                    signed: "2024-01-01".into(),
                    hosts: vec!["relay.acme.example".into()],
                    ..RegisteredBaa::default()
                },
            ],
        };
        let signed = context(register);
        assert_eq!(signed.status_of("hashicorp/aws").keyword(), "registered");
        assert_eq!(
            signed.status_of("smtp.sendgrid.net").keyword(),
            "registered"
        );
        assert_eq!(
            signed.status_of("[relay.acme.example]:25").keyword(),
            "registered"
        );
    }

    #[test]
    fn catalogue_mistakes_are_located() {
        let text = "catalogue: baa-vendors\nas-of: 28/11/2026\nvendors:\n  - id: x\n    name: X\n    baa: maybe\n    note: n\n    hostz: [x.example]\n";
        let Err(errors) = compile_file(&SourceFile::new("v.yaml", text)) else {
            panic!("errors expected")
        };
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            vec![
                "v.yaml:2:8: `as-of` must be a date written YYYY-MM-DD, found `28/11/2026`",
                "v.yaml:8:5: unknown key `hostz` in a vendor (hint: did you mean `hosts`?)",
                "v.yaml:6:10: unknown BAA offer `maybe` (hint: use one of: none, available, unconfirmed)",
                "v.yaml:4:5: a vendor needs at least one of `terraform-providers`, `resource-prefixes` or `hosts`",
            ]
        );
    }
}
