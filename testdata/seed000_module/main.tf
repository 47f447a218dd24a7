# Seed 000: the session_manager_endpoint module as a local module, called
# from a root with its own VPC, two private subnets, an instance SG with egress
# 443 to the VPC CIDR, and the seed's IAM role + AmazonSSMManagedInstanceCore.
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

resource "aws_vpc" "main" {
  cidr_block           = "10.0.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = "myapp-production"
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

# Your EC2 security group must allow outbound HTTPS
resource "aws_security_group" "ec2" {
  name        = "myapp-ec2"
  description = "EC2 instances reached through Session Manager"
  vpc_id      = aws_vpc.main.id

  egress {
    description = "Allow outbound HTTPS for Session Manager"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"] # Your VPC CIDR
  }
}

resource "aws_iam_role" "ec2_role" {
  name = "myapp-ec2-role"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

# Attach this managed policy to your EC2 instance role
data "aws_iam_policy" "ssm_managed_instance_core" {
  arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_role_policy_attachment" "ec2_ssm" {
  role       = aws_iam_role.ec2_role.name
  policy_arn = data.aws_iam_policy.ssm_managed_instance_core.arn
}

resource "aws_iam_instance_profile" "ec2" {
  name = "myapp-ec2-profile"
  role = aws_iam_role.ec2_role.name
}

resource "aws_instance" "app" {
  ami                    = "ami-0abcdef1234567890"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.private_a.id
  vpc_security_group_ids = [aws_security_group.ec2.id]
  iam_instance_profile   = aws_iam_instance_profile.ec2.name

  tags = {
    Name = "myapp-app"
  }
}

module "session_manager_endpoints" {
  source = "./modules/session_manager_endpoint"

  env        = "production"
  project_id = "myapp"

  subnet_ids                   = [aws_subnet.private_a.id, aws_subnet.private_b.id]
  resources_security_group_ids = [aws_security_group.ec2.id]

  enable_session_manager_endpoints = true
}

output "ssm_endpoint_id" {
  value = module.session_manager_endpoints.session_manager_endpoints.ssm.endpoint_id
}

output "monthly_cost" {
  value = module.session_manager_endpoints.session_manager_endpoints.cost.monthly_estimate
}
