# Times staff see in the admin carry their zone ("Dec 5, 2026, 10:00 PST"): pages are rendered in
# the brand's zone, and a time without its zone is ambiguous for a brand in another one.
DATETIME_FORMAT = "M j, Y, H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
TIME_FORMAT = "H:i"
DATE_FORMAT = "M j, Y"
