# tam_stack: the usual terraform-aws-modules composition at the newest versions
# that still support AWS provider 3.x: vpc 3.7.0 (+ its vpc-endpoints submodule),
# security-group 4.17.2, ec2-instance 2.21.0 (autoscaling 4.x needs the
# hashicorp/null provider, which the fixture toolchain does not have). Private
# subnets only; the SSM interface endpoints with private DNS; groups allow 443
# inside the VPC; the instance uses an AmazonSSMManagedInstanceCore profile.
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

  # the vpc-endpoints module reads aws_vpc_endpoint_service at plan time: moto
  endpoints {
    ec2 = "http://127.0.0.1:45671"
    iam = "http://127.0.0.1:45671"
    ssm = "http://127.0.0.1:45671"
    sts = "http://127.0.0.1:45671"
  }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "3.7.0"

  name = "workload"
  cidr = "10.60.0.0/16"

  azs             = ["us-east-1a", "us-east-1b"]
  private_subnets = ["10.60.1.0/24", "10.60.2.0/24"]

  enable_dns_hostnames = true
  enable_dns_support   = true
}

module "endpoints_sg" {
  source  = "terraform-aws-modules/security-group/aws"
  version = "4.17.2"

  name        = "ssm-endpoints"
  description = "SSM interface endpoints: HTTPS from the VPC"
  vpc_id      = module.vpc.vpc_id

  ingress_cidr_blocks = [module.vpc.vpc_cidr_block]
  ingress_rules       = ["https-443-tcp"]
}

module "vpc_endpoints" {
  source  = "terraform-aws-modules/vpc/aws//modules/vpc-endpoints"
  version = "3.7.0"

  vpc_id             = module.vpc.vpc_id
  security_group_ids = [module.endpoints_sg.security_group_id]
  subnet_ids         = module.vpc.private_subnets

  endpoints = {
    ssm = {
      service             = "ssm"
      private_dns_enabled = true
    }
    ssmmessages = {
      service             = "ssmmessages"
      private_dns_enabled = true
    }
    ec2messages = {
      service             = "ec2messages"
      private_dns_enabled = true
    }
  }
}

module "app_sg" {
  source  = "terraform-aws-modules/security-group/aws"
  version = "4.17.2"

  name        = "app"
  description = "App hosts"
  vpc_id      = module.vpc.vpc_id

  egress_cidr_blocks = [module.vpc.vpc_cidr_block]
  egress_rules       = ["https-443-tcp"]
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

module "app" {
  source  = "terraform-aws-modules/ec2-instance/aws"
  version = "2.21.0"

  name           = "app"
  instance_count = 1

  ami                    = "ami-0abcdef1234567890"
  instance_type          = "t3.micro"
  subnet_id              = module.vpc.private_subnets[0]
  vpc_security_group_ids = [module.app_sg.security_group_id]
  iam_instance_profile   = aws_iam_instance_profile.app.name

  metadata_options = {
    http_endpoint = "enabled"
    http_tokens   = "required"
  }
}
