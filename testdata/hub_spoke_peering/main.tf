# hub_spoke_peering: hub_spoke_tgw with a VPC peering connection (same account
# and region, auto-accepted) instead of the transit gateway.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "3.39.0"
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "mock_access_key"
  secret_key                  = "mock_secret_key"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_get_ec2_platforms      = true
  skip_region_validation      = true
}

locals {
  region       = "us-east-1"
  ssm_services = toset(["ssm", "ssmmessages", "ec2messages"])
}

# ---------------------------------------------------------------- hub (shared services)
resource "aws_vpc" "hub" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = "shared-services"
  }
}

resource "aws_subnet" "hub_a" {
  vpc_id            = aws_vpc.hub.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"

  tags = {
    Name = "shared-endpoints-a"
  }
}

resource "aws_route_table" "hub" {
  vpc_id = aws_vpc.hub.id

  tags = {
    Name = "shared-services"
  }
}

resource "aws_route" "hub_to_spoke" {
  route_table_id            = aws_route_table.hub.id
  destination_cidr_block    = aws_vpc.spoke.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.hub_spoke.id
}

resource "aws_route_table_association" "hub_a" {
  subnet_id      = aws_subnet.hub_a.id
  route_table_id = aws_route_table.hub.id
}

resource "aws_security_group" "endpoints" {
  name        = "shared-ssm-endpoints"
  description = "Central SSM endpoints: HTTPS from the spokes"
  vpc_id      = aws_vpc.hub.id

  ingress {
    description = "HTTPS from the spoke VPCs"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.1.0.0/16"]
  }
}

# central endpoints: private DNS off, the spokes resolve them through the
# private hosted zones below
resource "aws_vpc_endpoint" "hub" {
  for_each = local.ssm_services

  vpc_id              = aws_vpc.hub.id
  service_name        = "com.amazonaws.${local.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.hub_a.id]
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = false

  tags = {
    Name = "shared-${each.key}"
  }
}

resource "aws_route53_zone" "svc" {
  for_each = local.ssm_services

  name    = "${each.key}.${local.region}.amazonaws.com"
  comment = "central ${each.key} endpoint"

  vpc {
    vpc_id = aws_vpc.spoke.id
  }
}

resource "aws_route53_record" "svc" {
  for_each = local.ssm_services

  zone_id = aws_route53_zone.svc[each.key].zone_id
  name    = "${each.key}.${local.region}.amazonaws.com"
  type    = "A"

  alias {
    name                   = aws_vpc_endpoint.hub[each.key].dns_entry[0].dns_name
    zone_id                = aws_vpc_endpoint.hub[each.key].dns_entry[0].hosted_zone_id
    evaluate_target_health = false
  }
}

# ---------------------------------------------------------------- peering
resource "aws_vpc_peering_connection" "hub_spoke" {
  vpc_id      = aws_vpc.spoke.id
  peer_vpc_id = aws_vpc.hub.id
  auto_accept = true

  tags = {
    Name = "workload-to-shared-services"
  }
}

# ---------------------------------------------------------------- spoke (workload)
resource "aws_vpc" "spoke" {
  cidr_block           = "10.1.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = "workload"
  }
}

resource "aws_subnet" "spoke_a" {
  vpc_id            = aws_vpc.spoke.id
  cidr_block        = "10.1.1.0/24"
  availability_zone = "us-east-1a"

  tags = {
    Name = "workload-a"
  }
}

resource "aws_route_table" "spoke" {
  vpc_id = aws_vpc.spoke.id

  tags = {
    Name = "workload"
  }
}

resource "aws_route" "spoke_to_hub" {
  route_table_id            = aws_route_table.spoke.id
  destination_cidr_block    = aws_vpc.hub.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.hub_spoke.id
}

resource "aws_route_table_association" "spoke_a" {
  subnet_id      = aws_subnet.spoke_a.id
  route_table_id = aws_route_table.spoke.id
}

resource "aws_security_group" "app" {
  name        = "app"
  description = "App instances"
  vpc_id      = aws_vpc.spoke.id

  egress {
    description = "HTTPS to the shared-services VPC (SSM endpoints)"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.hub.cidr_block]
  }
}

resource "aws_iam_role" "app" {
  name                = "app-instance"
  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

resource "aws_iam_instance_profile" "app" {
  name = "app-instance"
  role = aws_iam_role.app.name
}

resource "aws_instance" "app" {
  ami                    = "ami-0abcdef1234567890"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.spoke_a.id
  vpc_security_group_ids = [aws_security_group.app.id]
  iam_instance_profile   = aws_iam_instance_profile.app.name

  tags = {
    Name = "app"
  }
}
