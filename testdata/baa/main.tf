# Appointment reminders: mail through Mailgun (BAA signed), marketing
# through SendGrid (no BAA), and a game-based therapy pilot on GameLift.
resource "mailgun_domain" "reminders" {
  name = "reminders.clinic.example"
}

resource "sendgrid_api_key" "marketing" {
  name = "newsletter"
}

resource "aws_s3_bucket" "records" {
  bucket = "clinic-records"
  tags   = { data-classification = "phi" }
}

resource "aws_gamelift_fleet" "therapy_pilot" {
  name = "therapy-pilot"
  tags = { data-classification = "phi" }
}

# Not in safeguard's service list: unknown, never a guess.
resource "aws_lightsail_instance" "intake" {
  name              = "intake"
  availability_zone = "us-east-1a"
  blueprint_id      = "amazon_linux_2"
  bundle_id         = "nano_2_0"
  tags              = { data-classification = "phi" }
}

# Okta sign-in for staff: Okta offers a BAA, but none is registered.
resource "okta_app_oauth" "portal" {
  label = "Staff portal"
  type  = "web"
}
