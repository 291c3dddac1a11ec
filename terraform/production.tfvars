# Values of the production stack (everything else keeps its default). The pipeline adds
# image_digest and app_version on every apply.
region             = "eu-west-1"
name               = "products-api"
environment        = "production"
single_nat_gateway = true
db_multi_az        = true
min_capacity       = 2
max_capacity       = 6
# 2 x 6 tasks x 5 = 60 connections at the peak of a deployment, within db.t4g.micro's ~90.
db_max_connections = 5
bake_time_minutes  = 10
# domain_name     = "api.example.com"
# route53_zone_id = "Z0123456789ABCDEFGHIJ"
# alarm_email     = "oncall@example.com"
