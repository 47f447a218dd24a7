# sensitive_values: values Terraform marks sensitive -- a sensitive admin CIDR in
# an SSH rule, a sensitive() endpoint service name of the wrong region, a
# sensitive variable with an external subnet id -- must never be printed.
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

variable "admin_cidr" {
  description = "Office range allowed to SSH to the app hosts"
  type        = string
  default     = "203.0.113.77/32"
  sensitive   = true
}

variable "legacy_subnet_id" {
  description = "Subnet of the legacy network the reporting host joins"
  type        = string
  default     = "subnet-0sensitive12345"
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

resource "aws_instance" "app" {
  ami                    = "ami-0abcdef1234567890"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.private_a.id
  vpc_security_group_ids = [aws_security_group.app.id]
  iam_instance_profile   = aws_iam_instance_profile.app.name

  tags = {
    Name = "app"
  }
}

resource "aws_instance" "reporting" {
  ami                    = "ami-0abcdef1234567890"
  instance_type          = "t3.micro"
  subnet_id              = var.legacy_subnet_id
  vpc_security_group_ids = [aws_security_group.app.id]
  iam_instance_profile   = aws_iam_instance_profile.app.name

  tags = {
    Name = "reporting"
  }
}
