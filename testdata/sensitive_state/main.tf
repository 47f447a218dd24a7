# sensitive_state: sensitive_values applied against moto (state mode): the state
# keeps the sensitive admin CIDR and the sensitive() service name in `values`,
# marked in `sensitive_values`. No external subnet: moto cannot launch into one.
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

  # data sources (and applies) go to the moto server that testdata/regen.py runs
  endpoints {
    ec2 = "http://127.0.0.1:45671"
    iam = "http://127.0.0.1:45671"
    ssm = "http://127.0.0.1:45671"
    sts = "http://127.0.0.1:45671"
  }
}

data "aws_ssm_parameter" "al2023" {
  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

variable "admin_cidr" {
  description = "Office range allowed to SSH to the app hosts"
  type        = string
  default     = "203.0.113.77/32"
  sensitive   = true
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

resource "aws_security_group_rule" "app_https_to_endpoints" {
  type                     = "egress"
  security_group_id        = aws_security_group.app.id
  source_security_group_id = aws_security_group.endpoints.id
  protocol                 = "tcp"
  from_port                = 443
  to_port                  = 443
  description              = "HTTPS to the SSM endpoints"
}

resource "aws_security_group_rule" "app_ssh_from_office" {
  type              = "ingress"
  security_group_id = aws_security_group.app.id
  cidr_blocks       = [var.admin_cidr]
  protocol          = "tcp"
  from_port         = 22
  to_port           = 22
  description       = "SSH from the office"
}

# the ssm endpoint's service name comes from a shared settings file in the real
# setup; here it is pasted from another region's stack
resource "aws_vpc_endpoint" "ssm" {
  vpc_id              = aws_vpc.main.id
  service_name        = sensitive("com.amazonaws.us-west-2.ssm")
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.private_a.id, aws_subnet.private_b.id]
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true

  tags = {
    Name = "vpce-ssm"
  }
}

resource "aws_vpc_endpoint" "messages" {
  for_each = toset(["ssmmessages", "ec2messages"])

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
  ami                    = data.aws_ssm_parameter.al2023.value
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.private_a.id
  vpc_security_group_ids = [aws_security_group.app.id]
  iam_instance_profile   = aws_iam_instance_profile.app.name

  tags = {
    Name = "app"
  }
}
