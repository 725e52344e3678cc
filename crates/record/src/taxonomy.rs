//! The Ten-Point Plan of Action of the European Coalition of Cities Against Racism: the commitments
//! every practice and report is tagged with. Kept in step with `docs/ten-point-plan.toml` by a test.

pub struct Commitment {
    pub id: u8,
    pub title: &'static str,
}

pub const COMMITMENTS: [Commitment; 10] = [
    Commitment {
        id: 1,
        title: "Greater Vigilance Against Racism",
    },
    Commitment {
        id: 2,
        title: "Assessing Racism and Discrimination and Monitoring Municipal Policies",
    },
    Commitment {
        id: 3,
        title: "Better Support for the Victims of Racism and Discrimination",
    },
    Commitment {
        id: 4,
        title: "More Participation and Better Informed City Dwellers",
    },
    Commitment {
        id: 5,
        title: "The City as an Active Supporter of Equal Opportunity Practices",
    },
    Commitment {
        id: 6,
        title: "The City as an Equal Opportunities Employer and Service Provider",
    },
    Commitment {
        id: 7,
        title: "Fair Access to Housing",
    },
    Commitment {
        id: 8,
        title: "Challenging Racism and Discrimination through Education",
    },
    Commitment {
        id: 9,
        title: "Promoting Cultural Diversity",
    },
    Commitment {
        id: 10,
        title: "Hate Crimes and Conflict Management",
    },
];

pub fn commitment(id: u8) -> Option<&'static Commitment> {
    COMMITMENTS.iter().find(|c| c.id == id)
}
