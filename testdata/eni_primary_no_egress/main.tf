# eni_primary_no_egress: eni_primary without the app group's egress rule: the
# group on the primary ENI has no egress at all (Terraform removes the default).
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

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = "main"
  }
}

resource "aws_subnet" "private_a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"

  tags = {
    Name = "private-a"
  }
}

resource "aws_subnet" "private_b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = "us-east-1b"

  tags = {
    Name = "private-b"
  }
}

resource "aws_security_group" "endpoints" {
  name        = "ssm-endpoints"
  description = "Interface endpoints"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group_rule" "endpoints_https_from_app" {
  type                     = "ingress"
  security_group_id        = aws_security_group.endpoints.id
  source_security_group_id = aws_security_group.app.id
  protocol                 = "tcp"
  from_port                = 443
  to_port                  = 443
  description              = "HTTPS from the app instances"
}

resource "aws_security_group" "app" {
  name        = "app"
  description = "App instances"
  vpc_id      = aws_vpc.main.id
}

locals {
  ssm_services = toset(["ssm", "ssmmessages", "ec2messages"])
}

resource "aws_vpc_endpoint" "ssm" {
  for_each = local.ssm_services

  vpc_id              = aws_vpc.main.id
  service_name        = "com.amazonaws.us-east-1.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.private_a.id, aws_subnet.private_b.id]
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true

  tags = {
    Name = "vpce-${each.key}"
  }
}

resource "aws_iam_role" "app" {
  name = "app-instance"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "app_ssm_core" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "app" {
  name = "app-instance"
  role = aws_iam_role.app.name
}

resource "aws_network_interface" "app" {
  subnet_id       = aws_subnet.private_a.id
  security_groups = [aws_security_group.app.id]

  tags = {
    Name = "app-primary"
  }
}

resource "aws_instance" "app" {
  ami                  = "ami-0abcdef1234567890"
  instance_type        = "t3.micro"
  iam_instance_profile = aws_iam_instance_profile.app.name

  network_interface {
    device_index         = 0
    network_interface_id = aws_network_interface.app.id
  }

  tags = {
    Name = "app"
  }
}
